namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>The TI ADS1115 16-bit I2C ADC in single-shot mode, pure logic (datasheet SBAS444,
    /// section 9.6 "Register Map"). Pointer register 0x00 = conversion (two's complement, MSB first),
    /// 0x01 = config. One conversion: write the config with OS = 1, poll the config until OS reads 1
    /// (conversion done), read the conversion register. The buffers are allocated once.</summary>
    public sealed class Ads1115
    {
        public const byte ConversionRegister = 0x00;
        public const byte ConfigRegister = 0x01;

        /// <summary>ADDR pin to GND (datasheet table 4): 1001000b.</summary>
        public const int DefaultAddress = 0x48;

        /// <summary>Config bits (datasheet table 8): OS (15) start/ready, MUX (14:12), PGA (11:9),
        /// MODE (8) 1 = single-shot, DR (7:5), COMP_QUE (1:0) 11 = comparator off.</summary>
        public const int OsBit = 0x8000;
        public const int SingleShotBit = 0x0100;
        public const int ComparatorOff = 0x0003;

        /// <summary>MUX 100..111: AINx against GND (single-ended).</summary>
        public const int MuxAin0 = 4;

        /// <summary>PGA codes (datasheet table 8): 0 = ±6.144 V, 1 = ±4.096 V, 2 = ±2.048 V
        /// (default), 3 = ±1.024 V, 4 = ±0.512 V, 5 = ±0.256 V.</summary>
        public const int Pga4096mV = 1;

        /// <summary>DR 100 = 128 SPS (default): a conversion takes 1/128 s, 7.8 ms.</summary>
        public const int Rate128Sps = 4;
        public const int ConversionMs128Sps = 8;

        private readonly II2cLink _link;
        private readonly byte[] _write = new byte[3];
        private readonly byte[] _read = new byte[2];
        private readonly int _config;
        private readonly int _fullScaleUv;

        /// <param name="mux">0..7 as the datasheet's MUX field (4..7 = AIN0..AIN3 single-ended).</param>
        /// <param name="pga">0..5 as the datasheet's PGA field.</param>
        public Ads1115(II2cLink link, int mux, int pga)
        {
            if (link == null)
            {
                throw new System.ArgumentNullException("link");
            }
            if (mux < 0 || mux > 7)
            {
                throw new System.ArgumentException("ADS1115 mux must be 0..7");
            }
            _link = link;
            _fullScaleUv = FullScaleUv(pga);
            _config = Config(mux, pga, true, Rate128Sps);
        }

        /// <summary>The config word: OS set (start a conversion), the fields, comparator off.</summary>
        public static int Config(int mux, int pga, bool singleShot, int dataRate)
        {
            return OsBit | (mux << 12) | (pga << 9) | (singleShot ? SingleShotBit : 0) | (dataRate << 5) | ComparatorOff;
        }

        /// <summary>Full-scale range of a PGA code in µV (datasheet table 8).</summary>
        public static int FullScaleUv(int pga)
        {
            switch (pga)
            {
                case 0: return 6144000;
                case 1: return 4096000;
                case 2: return 2048000;
                case 3: return 1024000;
                case 4: return 512000;
                case 5: return 256000;
                default: throw new System.ArgumentException("ADS1115 pga must be 0..5");
            }
        }

        /// <summary>A conversion code to µV: code x FSR / 2^15 (datasheet 9.3.3, "Data Format"),
        /// truncated toward zero.</summary>
        public static int ToMicrovolts(int code, int fullScaleUv)
        {
            return (int)((long)code * fullScaleUv / 32768);
        }

        /// <summary>True at the clipping codes 0x7FFF and 0x8000: the input is at or beyond full
        /// scale and the value is not a measurement.</summary>
        public static bool IsClipped(int code)
        {
            return code == 32767 || code == -32768;
        }

        /// <summary>Writes the config (starting a single-shot conversion); false on a bus failure.</summary>
        public bool Start()
        {
            _write[0] = ConfigRegister;
            _write[1] = (byte)(_config >> 8);
            _write[2] = (byte)_config;
            return _link.Write(_write, 3);
        }

        /// <summary>True when the config's OS bit reads 1: no conversion under way.</summary>
        public bool TryIsReady(out bool ready)
        {
            ready = false;
            if (!ReadRegister(ConfigRegister))
            {
                return false;
            }
            ready = (_read[0] & 0x80) != 0;
            return true;
        }

        /// <summary>The conversion register as µV; false on a bus failure or a clipped code.</summary>
        public bool TryReadMicrovolts(out int microvolts)
        {
            microvolts = 0;
            if (!ReadRegister(ConversionRegister))
            {
                return false;
            }
            int code = (short)((_read[0] << 8) | _read[1]);
            if (IsClipped(code))
            {
                return false;
            }
            microvolts = ToMicrovolts(code, _fullScaleUv);
            return true;
        }

        /// <summary>Start, wait until ready (at most <paramref name="maxPolls"/> config reads; the
        /// board sleeps <see cref="ConversionMs128Sps"/> between them), read. False on any failure.</summary>
        public bool TryConvert(int maxPolls, IDelay delay, out int microvolts)
        {
            microvolts = 0;
            if (!Start())
            {
                return false;
            }
            for (int i = 0; i < maxPolls; i++)
            {
                delay.SleepMs(ConversionMs128Sps);
                bool ready;
                if (!TryIsReady(out ready))
                {
                    return false;
                }
                if (ready)
                {
                    return TryReadMicrovolts(out microvolts);
                }
            }
            return false;
        }

        private bool ReadRegister(byte register)
        {
            _write[0] = register;
            return _link.WriteRead(_write, 1, _read, 2);
        }
    }
}
