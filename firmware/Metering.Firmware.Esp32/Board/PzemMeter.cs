using System.IO.Ports;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Drivers;
using nanoFramework.Hardware.Esp32;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>A PZEM-004T v3 on UART2 (COM2, pins remapped from the pin map), polled by the core's
    /// PzemPoller (the Raspberry Pi driver uses the same one); its energy register (Wh) is sampled
    /// into a RegisterChannel. This class only opens the port and moves bytes.</summary>
    internal sealed class PzemMeter
    {
        /// <summary>A 25-byte answer takes 26 ms at 9600 baud 8N1 (10 bits a byte); the module
        /// answers well within 500 ms, after which the poll counts as failed.</summary>
        private const int AnswerTimeoutMs = 500;

        private readonly PzemPoller _poller;
        private readonly PzemReading _reading = new PzemReading();

        public PzemMeter(int rxGpio, int txGpio, int address, RegisterChannel channel)
        {
            Configuration.SetPinFunction(rxGpio, DeviceFunction.COM2_RX);
            Configuration.SetPinFunction(txGpio, DeviceFunction.COM2_TX);
            SerialPort port = new SerialPort("COM2", Pzem004t.BaudRate, Parity.None, 8, StopBits.One);
            port.ReadTimeout = AnswerTimeoutMs;
            port.WriteTimeout = AnswerTimeoutMs;
            port.Open();
            _poller = new PzemPoller(new PortLink(port), address, channel);
        }

        public PzemReading Last { get { return _reading; } }

        /// <summary>One request and answer; on success the energy register is sampled. False on a
        /// timeout, CRC error or exception answer: the register keeps its last value.</summary>
        public bool Poll()
        {
            if (_poller.Poll(_reading))
            {
                return true;
            }
            // NoAnswer (-1): read timeout, no module, wiring, mains off.
            BoardLog.Line("pzem: status " + _poller.LastStatus + " exception " + _reading.ExceptionCode);
            return false;
        }

        /// <summary>COM2 as the core's byte stream: a read timeout or port error becomes 0 / false.</summary>
        private sealed class PortLink : ISerialLink
        {
            private readonly SerialPort _port;

            public PortLink(SerialPort port)
            {
                _port = port;
            }

            public void DiscardInput()
            {
                try
                {
                    while (_port.BytesToRead > 0)
                    {
                        _port.ReadByte(); // a late answer to an earlier poll
                    }
                }
                catch (System.Exception ex)
                {
                    BoardLog.Line("pzem: " + ex.Message);
                }
            }

            public bool Write(byte[] buffer, int count)
            {
                try
                {
                    _port.Write(buffer, 0, count);
                    return true;
                }
                catch (System.Exception ex)
                {
                    BoardLog.Line("pzem: " + ex.Message);
                    return false;
                }
            }

            public int Read(byte[] buffer, int offset, int count)
            {
                try
                {
                    return _port.Read(buffer, offset, count);
                }
                catch (System.Exception ex)
                {
                    BoardLog.Line("pzem: " + ex.Message); // read timeout
                    return 0;
                }
            }
        }
    }
}
