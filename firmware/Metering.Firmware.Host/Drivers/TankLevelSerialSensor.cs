using System.IO.Ports;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Firmware.Host.Drivers;

/// <summary>An A02YYUW ultrasonic sensor over a tank on a serial port of the host (/dev/serial0 or a
/// USB TTL adapter), parsed by the core's <see cref="A02yyuw"/> and turned into a level by its
/// <see cref="TankLevel"/> (the ESP32 application's TankLevelSensor does the same). The sensor's RX
/// is left open, so it streams a frame every 100 ms. This class only opens the port and moves bytes.</summary>
public sealed class TankLevelSerialSensor : IDisposable
{
    /// <summary>Two frame periods (datasheet: a frame every 100 ms).</summary>
    public const int DefaultReadTimeoutMs = 2 * A02yyuw.FramePeriodMs;

    private const int MaxReads = 4;

    private readonly SerialPort _port;
    private readonly A02yyuw _sensor = new();
    private readonly TankLevel _tank;
    private readonly PortLink _link;
    private readonly byte[] _scratch = new byte[16];
    private readonly object _gate = new();

    public TankLevelSerialSensor(string portName, int sensorToFloorMm, int readTimeoutMs = DefaultReadTimeoutMs)
    {
        ArgumentException.ThrowIfNullOrEmpty(portName);
        _tank = new TankLevel(sensorToFloorMm); // checks the mount before the port opens
        _port = new SerialPort(portName, A02yyuw.BaudRate, Parity.None, 8, StopBits.One)
        {
            ReadTimeout = readTimeoutMs,
            Handshake = Handshake.None,
        };
        _port.Open();
        _link = new PortLink(_port);
    }

    public long ChecksumErrors { get { lock (_gate) return _sensor.ChecksumErrors; } }

    /// <summary>The distance of the last good frame.</summary>
    public int LastDistanceMm { get { lock (_gate) return _sensor.DistanceMm; } }

    /// <summary>Level in mm above the floor from the next good frame; false when none came within
    /// the reads (unplugged, cut cable) or the echo is outside the sensor's range.</summary>
    public bool TryReadLevelMm(out int levelMm)
    {
        lock (_gate)
        {
            levelMm = 0;
            return _sensor.TryRead(_link, _scratch, MaxReads) && _tank.TryLevelMm(_sensor.DistanceMm, out levelMm);
        }
    }

    public void Dispose()
    {
        lock (_gate) _port.Dispose();
    }

    private sealed class PortLink(SerialPort port) : ISerialLink
    {
        public void DiscardInput()
        {
            try { port.DiscardInBuffer(); }
            catch (Exception e) when (e is IOException or InvalidOperationException) { }
        }

        public bool Write(byte[] buffer, int count) => true; // the sensor listens to nothing but its RX level

        public int Read(byte[] buffer, int offset, int count)
        {
            try { return port.Read(buffer, offset, count); }
            catch (Exception e) when (e is TimeoutException or IOException or InvalidOperationException) { return 0; }
        }
    }
}
