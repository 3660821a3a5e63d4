using System.IO.Ports;
using Commons.Metering.Firmware.Drivers;
using nanoFramework.Hardware.Esp32;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>An A02YYUW ultrasonic sensor over a tank on UART3 (COM3, pins remapped from the pin
    /// map; COM2 is the PZEM's), parsed by the core's <see cref="A02yyuw"/> and turned into a level by
    /// its <see cref="TankLevel"/>. Its RX pin is left unconnected, so the sensor streams processed
    /// frames every 100 ms. This class only opens the port and moves bytes.</summary>
    internal sealed class TankLevelSensor
    {
        /// <summary>Two frame periods (datasheet: a frame every 100 ms) before a read times out.</summary>
        private const int ReadTimeoutMs = 2 * A02yyuw.FramePeriodMs;

        /// <summary>Up to 4 reads of 16 bytes: at most 64 bytes of stale or noisy input before a frame.</summary>
        private const int MaxReads = 4;

        private readonly SerialPort _port;
        private readonly A02yyuw _sensor = new A02yyuw();
        private readonly TankLevel _tank;
        private readonly byte[] _scratch = new byte[16];
        private readonly Link _link;

        public TankLevelSensor(int rxGpio, int txGpio, int sensorToFloorMm)
        {
            _tank = new TankLevel(sensorToFloorMm);
            Configuration.SetPinFunction(rxGpio, DeviceFunction.COM3_RX);
            Configuration.SetPinFunction(txGpio, DeviceFunction.COM3_TX);
            _port = new SerialPort("COM3", A02yyuw.BaudRate, Parity.None, 8, StopBits.One);
            _port.ReadTimeout = ReadTimeoutMs;
            _port.Open();
            _link = new Link(_port);
        }

        /// <summary>Level in mm above the tank floor; false when no good frame came (unplugged,
        /// cut cable) or the echo is outside the sensor's range.</summary>
        public bool TryReadLevelMm(out int levelMm)
        {
            levelMm = 0;
            _link.DiscardInput(); // the frames queued since the last poll are old
            if (!_sensor.TryRead(_link, _scratch, MaxReads))
            {
                BoardLog.Line("a02yyuw: no frame, checksum errors " + _sensor.ChecksumErrors);
                return false;
            }
            return _tank.TryLevelMm(_sensor.DistanceMm, out levelMm);
        }

        private sealed class Link : ISerialLink
        {
            private readonly SerialPort _port;

            public Link(SerialPort port)
            {
                _port = port;
            }

            public void DiscardInput()
            {
                try
                {
                    while (_port.BytesToRead > 0)
                    {
                        _port.ReadByte();
                    }
                }
                catch (System.Exception ex)
                {
                    BoardLog.Line("a02yyuw: " + ex.Message);
                }
            }

            public bool Write(byte[] buffer, int count)
            {
                return true; // the sensor listens to nothing but a level on its RX pin
            }

            public int Read(byte[] buffer, int offset, int count)
            {
                try
                {
                    return _port.Read(buffer, offset, count);
                }
                catch (System.Exception ex)
                {
                    BoardLog.Line("a02yyuw: " + ex.Message); // read timeout
                    return 0;
                }
            }
        }
    }
}
