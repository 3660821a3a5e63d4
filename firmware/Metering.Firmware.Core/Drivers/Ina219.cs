namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>The TI INA219 I2C current/power monitor, pure logic (datasheet SBOS448, section 8.6
    /// "Register Maps"): 0x00 config, 0x01 shunt voltage (LSB 10 µV, two's complement), 0x02 bus
    /// voltage (bits 15:3, LSB 4 mV; bit 1 CNVR, bit 0 OVF = math overflow), 0x03 power, 0x04 current,
    /// 0x05 calibration. Current and power registers hold values only once the calibration register
    /// is written: Cal = trunc(0.04096 / (Current_LSB x R_SHUNT)), Power_LSB = 20 x Current_LSB
    /// (section 8.5.1). All registers are 16-bit, MSB first. Buffers are allocated once.</summary>
    public sealed class Ina219
    {
        public const byte ConfigRegister = 0x00;
        public const byte ShuntRegister = 0x01;
        public const byte BusRegister = 0x02;
        public const byte PowerRegister = 0x03;
        public const byte CurrentRegister = 0x04;
        public const byte CalibrationRegister = 0x05;

        /// <summary>A0 and A1 to GND (datasheet table 1): 1000000b.</summary>
        public const int DefaultAddress = 0x40;

        /// <summary>Power-on config 0x399F (datasheet 8.6.2.1): 32 V bus range, PGA /8 (±320 mV),
        /// 12-bit bus and shunt ADC, shunt and bus continuous.</summary>
        public const int DefaultConfig = 0x399F;

        public const int ShuntLsbUv10 = 10;   // µV per shunt LSB
        public const int BusLsbMv = 4;        // mV per bus LSB

        private readonly II2cLink _link;
        private readonly byte[] _write = new byte[3];
        private readonly byte[] _read = new byte[2];
        private readonly int _calibration;
        private readonly int _currentLsbUa;

        /// <param name="currentLsbUa">current register LSB in µA (e.g. 100 µA).</param>
        /// <param name="shuntMilliohms">the shunt resistor (e.g. 100 mΩ).</param>
        public Ina219(II2cLink link, int currentLsbUa, int shuntMilliohms)
        {
            if (link == null)
            {
                throw new System.ArgumentNullException("link");
            }
            _link = link;
            _calibration = Calibration(currentLsbUa, shuntMilliohms);
            _currentLsbUa = currentLsbUa;
        }

        /// <summary>Cal = trunc(0.04096 / (Current_LSB x R_SHUNT)) with Current_LSB in µA and R_SHUNT in
        /// mΩ: 0.04096 / (I e-6 x R e-3) = 40,960,000 / (I x R). At most 0xFFFE (bit 0 is unused).</summary>
        public static int Calibration(int currentLsbUa, int shuntMilliohms)
        {
            if (currentLsbUa <= 0 || shuntMilliohms <= 0)
            {
                throw new System.ArgumentException("INA219 current LSB and shunt must be positive");
            }
            long cal = 40960000L / ((long)currentLsbUa * shuntMilliohms);
            if (cal < 1 || cal > 0xFFFE)
            {
                throw new System.ArgumentException("INA219 calibration out of range: choose another current LSB");
            }
            return (int)cal & 0xFFFE;
        }

        public int CalibrationValue { get { return _calibration; } }

        /// <summary>Shunt register to µV (LSB 10 µV).</summary>
        public static int ShuntMicrovolts(int register)
        {
            return (short)register * ShuntLsbUv10;
        }

        /// <summary>Bus register to mV: bits 15:3 x 4 mV.</summary>
        public static int BusMillivolts(int register)
        {
            return ((register & 0xFFFF) >> 3) * BusLsbMv;
        }

        /// <summary>Bus register bit 0: the power or current calculation overflowed; those registers are
        /// then meaningless.</summary>
        public static bool Overflow(int register)
        {
            return (register & 0x0001) != 0;
        }

        /// <summary>Writes the config and the calibration; false on a bus failure. Run once at start
        /// and again after the chip reset (a brown-out clears the calibration to 0).</summary>
        public bool Configure()
        {
            return WriteRegister(ConfigRegister, DefaultConfig) && WriteRegister(CalibrationRegister, _calibration);
        }

        /// <summary>One reading: bus voltage, shunt voltage, current (µA, signed: negative =
        /// charging) and power (mW, from the power register). False on a bus failure, an overflow, or a
        /// calibration that a reset cleared (the board then calls <see cref="Configure"/>).</summary>
        public bool TryRead(Ina219Reading reading)
        {
            int bus;
            int shunt;
            int current;
            int power;
            int cal;
            if (!ReadRegister(BusRegister, out bus) || !ReadRegister(ShuntRegister, out shunt)
                || !ReadRegister(CurrentRegister, out current) || !ReadRegister(PowerRegister, out power)
                || !ReadRegister(CalibrationRegister, out cal))
            {
                return false;
            }
            if (Overflow(bus) || cal != _calibration)
            {
                return false;
            }
            reading.BusMv = BusMillivolts(bus);
            reading.ShuntUv = ShuntMicrovolts(shunt);
            reading.CurrentUa = (short)current * _currentLsbUa;
            reading.PowerMw = (int)((long)power * 20 * _currentLsbUa / 1000); // Power_LSB = 20 x Current_LSB
            return true;
        }

        private bool WriteRegister(byte register, int value)
        {
            _write[0] = register;
            _write[1] = (byte)(value >> 8);
            _write[2] = (byte)value;
            return _link.Write(_write, 3);
        }

        private bool ReadRegister(byte register, out int value)
        {
            value = 0;
            _write[0] = register;
            if (!_link.WriteRead(_write, 1, _read, 2))
            {
                return false;
            }
            value = (_read[0] << 8) | _read[1];
            return true;
        }
    }

    /// <summary>One INA219 reading in integer base units.</summary>
    public sealed class Ina219Reading
    {
        public int BusMv;
        public int ShuntUv;
        public int CurrentUa;
        public int PowerMw;
    }
}
