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
