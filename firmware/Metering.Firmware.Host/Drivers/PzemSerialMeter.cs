using System.IO.Ports;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Firmware.Host.Drivers;

/// <summary>A PZEM-004T v3 on a serial port of the host (/dev/serial0 on a Raspberry Pi, or a USB
/// TTL adapter /dev/ttyUSB0), polled by the core's <see cref="PzemPoller"/> (the ESP32
/// application's PzemMeter uses the same one); the energy register (Wh) is sampled into a
/// <see cref="RegisterChannel"/>. This class only opens the port and moves bytes.</summary>
public sealed class PzemSerialMeter : IDisposable
{
    /// <summary>A 25-byte answer takes 26 ms at 9600 baud 8N1 (10 bits a byte); the module answers
    /// well within 500 ms (same budget as the ESP32 application), after which the poll fails.</summary>
    public const int DefaultAnswerTimeoutMs = 500;

    private readonly SerialPort _port;
    private readonly PzemPoller _poller;
    private readonly object _gate = new();

    /// <param name="portName">e.g. /dev/serial0; opened at once (9600 8N1, datasheet).</param>
    /// <param name="address">Modbus slave address, 0x01..0xF7, or 0xF8 for the only slave on the bus.</param>
    public PzemSerialMeter(string portName, int address, RegisterChannel channel, int answerTimeoutMs = DefaultAnswerTimeoutMs)
    {
        ArgumentException.ThrowIfNullOrEmpty(portName);
        ArgumentNullException.ThrowIfNull(channel);
        PortName = portName;
        _port = new SerialPort(portName, Pzem004t.BaudRate, Parity.None, 8, StopBits.One)
        {
            ReadTimeout = answerTimeoutMs,
            WriteTimeout = answerTimeoutMs,
            Handshake = Handshake.None,
        };
        _poller = new PzemPoller(new PortLink(_port), address, channel); // checks the address before the port opens
        _port.Open();
    }

    public string PortName { get; }

    /// <summary>The last poll's outcome: <see cref="Pzem004t.Ok"/>, one of its error codes, or
    /// <see cref="PzemPoller.NoAnswer"/> (-1) for a timeout or an I/O error (no module, wiring, mains off).</summary>
    public int LastStatus { get { lock (_gate) return _poller.LastStatus; } }

    /// <summary>The last successful answer's values (voltage, current, power, energy, ...).</summary>
    public PzemReading? Last { get; private set; }

    public long Polls { get { lock (_gate) return _poller.Polls; } }
    public long Failures { get { lock (_gate) return _poller.Failures; } }

    /// <summary>One request and answer (<see cref="PzemPoller.Poll"/>); on success the energy
    /// register is sampled into the channel, otherwise it keeps its last value.</summary>
    public bool Poll()
    {
        lock (_gate)
        {
            var reading = new PzemReading(); // one every few seconds: Last stays a stable snapshot
            if (!_poller.Poll(reading)) return false;
            Last = reading;
            return true;
        }
    }

    public void Dispose()
    {
        lock (_gate) _port.Dispose();
    }

    /// <summary>The serial port as the core's byte stream: its timeouts and I/O errors become 0 / false.</summary>
    private sealed class PortLink(SerialPort port) : ISerialLink
    {
        public void DiscardInput()
        {
            try
            {
                port.DiscardInBuffer();
            }
            catch (Exception e) when (e is IOException or InvalidOperationException)
            {
                // The write or read that follows fails the same way and reports it.
            }
        }

        public bool Write(byte[] buffer, int count)
        {
            try
            {
                port.Write(buffer, 0, count);
                return true;
            }
            catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
            {
                return false;
            }
        }

        public int Read(byte[] buffer, int offset, int count)
        {
            try
            {
                return port.Read(buffer, offset, count);
            }
            catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException)
            {
                return 0;
            }
        }
    }
}
