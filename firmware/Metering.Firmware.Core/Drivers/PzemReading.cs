namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>One answer of a PZEM-004T v3 to "read input registers 0x0000..0x0009", in the
    /// device's own integer resolutions (datasheet, 2.3 register map), never floating point.</summary>
    public sealed class PzemReading
    {
        /// <summary>Register 0x0000, 1 LSB = 0.1 V.</summary>
        public int VoltageDeciV;

        /// <summary>Registers 0x0001 (low) + 0x0002 (high), 1 LSB = 1 mA.</summary>
        public long CurrentMilliA;

        /// <summary>Registers 0x0003 (low) + 0x0004 (high), 1 LSB = 0.1 W.</summary>
        public long PowerDeciW;

        /// <summary>Registers 0x0005 (low) + 0x0006 (high), 1 LSB = 1 Wh: the cumulative register
        /// the energy node samples into its RegisterChannel.</summary>
        public long EnergyWh;

        /// <summary>Register 0x0007, 1 LSB = 0.1 Hz.</summary>
        public int FrequencyDeciHz;

        /// <summary>Register 0x0008, 1 LSB = 0.01.</summary>
        public int PowerFactorCenti;

        /// <summary>Register 0x0009: 0xFFFF = power alarm (over the set threshold), 0x0000 = none.</summary>
        public bool Alarm;

        /// <summary>Modbus exception code (0x01 illegal function, 0x02 illegal address, 0x03 illegal
        /// data, 0x04 slave error) when the answer was an exception, else 0.</summary>
        public int ExceptionCode;

        public void Clear()
        {
            VoltageDeciV = 0;
            CurrentMilliA = 0;
            PowerDeciW = 0;
            EnergyWh = 0;
            FrequencyDeciHz = 0;
            PowerFactorCenti = 0;
            Alarm = false;
            ExceptionCode = 0;
        }
    }
}
