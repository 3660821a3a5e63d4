using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>An INA219 on the battery or solar line of a mini-grid node, read by the core's
    /// <see cref="Ina219"/>. A failed read reconfigures the chip once (a brown-out resets its
    /// calibration to 0, after which current and power read 0).</summary>
    internal sealed class PowerMonitor
    {
        private readonly Ina219 _chip;
        private readonly Ina219Reading _reading = new Ina219Reading();

        public PowerMonitor(int address, int currentLsbUa, int shuntMilliohms)
        {
            _chip = new Ina219(I2cBus.Open(address), currentLsbUa, shuntMilliohms);
            if (!_chip.Configure())
            {
                BoardLog.Line("ina219: not answering at start");
            }
        }

        public Ina219Reading Last { get { return _reading; } }

        public bool Poll()
        {
            if (_chip.TryRead(_reading))
            {
                return true;
            }
            if (_chip.Configure() && _chip.TryRead(_reading))
            {
                return true;
            }
            BoardLog.Line("ina219: no reading");
            return false;
        }
    }
}
