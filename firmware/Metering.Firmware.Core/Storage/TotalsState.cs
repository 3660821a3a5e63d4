namespace Commons.Metering.Firmware.Storage
{
    /// <summary>What one totals record holds (totals-ring.md): the registers with their
    /// sub-unit remainders, the sequence-number reservation, the last timestamp, the boot count
    /// and the command ids executed last. Channels are matched by a hash of name and unit, so
    /// adding, removing or reordering channels never moves a register to another channel.</summary>
    internal sealed class TotalsState
    {
        public long SeqReservedThrough;
        public long LastTsMs;
        public int BootCount;

        public int ChannelCount;
        public readonly uint[] Hashes = new uint[Limits.MaxChannels];
        public readonly long[] Registers = new long[Limits.MaxChannels];
        public readonly long[] Remainders = new long[Limits.MaxChannels];

        public int CidCount;
        public readonly string[] Cids = new string[Limits.RememberedCids];
        public readonly byte[] CidResults = new byte[Limits.RememberedCids];

        // The local policy (docs/protocol.md, "Device autonomy"): the stage and, for each channel
        // that has one, its policy, matched by hash like the registers. Record version 2.
        public int Stage;
        public int StageCurtail = UseClass.None;
        public int PolicyCount;
        public readonly uint[] PolicyHashes = new uint[Limits.MaxChannels];
        public readonly byte[] UseClasses = new byte[Limits.MaxChannels];
        public readonly byte[] Trips = new byte[Limits.MaxChannels];
        public readonly long[] AllowanceLimits = new long[Limits.MaxChannels];
        public readonly long[] AllowancePeriodsS = new long[Limits.MaxChannels];
        public readonly long[] AllowanceStarts = new long[Limits.MaxChannels];
        public readonly long[] PeriodStarts = new long[Limits.MaxChannels];
        public readonly long[] PeriodBaselines = new long[Limits.MaxChannels];
        public readonly int[] LeaksS = new int[Limits.MaxChannels];
        public readonly long[] BurstsPerMin = new long[Limits.MaxChannels];

        /// <summary>The gateway has confirmed at least once (docs/protocol.md, confirmation): records
        /// leave the outbox on confirmation, never on PUBACK. Record version 3.</summary>
        public bool GatewayConfirms;

        /// <summary>Index of the policy of the channel with this hash, or -1.</summary>
        public int IndexOfPolicy(uint hash)
        {
            for (int i = 0; i < PolicyCount; i++)
            {
                if (PolicyHashes[i] == hash)
                {
                    return i;
                }
            }
            return -1;
        }

        /// <summary>Index of the channel with this hash, or -1.</summary>
        public int IndexOf(uint hash)
        {
            for (int i = 0; i < ChannelCount; i++)
            {
                if (Hashes[i] == hash)
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
