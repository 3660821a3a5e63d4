namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>The HX711 24-bit load-cell ADC, pure logic (HX711 datasheet, Avia Semiconductor):
    /// output coding is 24-bit two's complement, MSB first; an input beyond full scale saturates at
    /// 0x7FFFFF (MAX) or 0x800000 (MIN); after the 24 data bits, 1, 2 or 3 more PD_SCK pulses select
    /// the gain of the NEXT conversion (25 = channel A gain 128, 26 = channel B gain 32,
    /// 27 = channel A gain 64). The board bit-bangs the pins.</summary>
    public static class Hx711
    {
        public const int DataBits = 24;
        public const int MaxCounts = 0x7FFFFF;   // 8,388,607
        public const int MinCounts = -0x800000;  // -8,388,608

        /// <summary>Datasheet, "Serial Interface": PD_SCK high for more than 60 us powers the chip
        /// down, so a bit-banged clock must stay high well under that.</summary>
        public const int PowerDownHighUs = 60;

        /// <summary>Datasheet, timing table: PD_SCK high time T3 is 0.2 us minimum, 50 us maximum.</summary>
        public const int MaxHighUs = 50;

        /// <summary>True when a PD_SCK pulse provably stayed high within <see cref="MaxHighUs"/>: the
        /// board reads its timer before writing the rising edge and after writing the falling one, so
        /// the difference bounds the high time from above. A longer bound (a garbage collection or an
        /// interrupt between the two writes) may have powered the chip down mid-read: the conversion
        /// must be discarded.</summary>
        public static bool PulseWithinLimit(long beforeRiseUs, long afterFallUs)
        {
            return afterFallUs - beforeRiseUs <= MaxHighUs;
        }

        /// <summary>Datasheet: output settling time after power-up or reset is 400 ms at 10 SPS.</summary>
        public const int SettlingMs = 400;

        /// <summary>The 24 raw bits as clocked out (MSB first) to signed counts.</summary>
        public static int ToCounts(int raw24)
        {
            raw24 &= 0xFFFFFF;
            return (raw24 & 0x800000) != 0 ? raw24 - 0x1000000 : raw24;
        }

        /// <summary>True at either saturation code: the reading is out of range, not a weight.</summary>
        public static bool IsSaturated(int counts)
        {
            return counts == MaxCounts || counts == MinCounts;
        }

        /// <summary>Total PD_SCK pulses for one read that leaves <paramref name="gain"/> selected for
        /// the next conversion: 128 (channel A) = 25, 32 (channel B) = 26, 64 (channel A) = 27.</summary>
        public static int PulsesPerRead(int gain)
        {
            switch (gain)
            {
                case 128: return 25;
                case 32: return 26;
                case 64: return 27;
                default: throw new System.ArgumentException("HX711 gain must be 128, 64 or 32");
            }
        }
    }
}
