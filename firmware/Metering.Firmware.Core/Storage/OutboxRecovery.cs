namespace Commons.Metering.Firmware.Storage
{
    /// <summary>What recovery learns from the outbox records, removed ones included: the highest
    /// seq and ts, and each channel's register in the reading with the highest seq that carries it
    /// (the register may be newer than the last totals record). Log order is not seq order: a
    /// compaction writes the flash window after the pending records, and a refill appends old
    /// records again.</summary>
    internal sealed class OutboxRecovery
    {
        public long MaxSeq;
        public long MaxTsMs;
        public int DroppedAtRecovery;
        public int ChannelCount;
        public readonly uint[] Hashes = new uint[Limits.MaxChannels];
        public readonly long[] Registers = new long[Limits.MaxChannels];
        private readonly long[] _registerSeqs = new long[Limits.MaxChannels];

        public void Visit(byte[] record, int length)
        {
            long seq = OutboxRecord.Seq(record);
            long ts = OutboxRecord.Ts(record);
            if (seq > MaxSeq)
            {
                MaxSeq = seq;
            }
            if (ts > MaxTsMs)
            {
                MaxTsMs = ts;
            }
            if (OutboxRecord.Kind(record) != OutboxRecord.KindReading)
            {
                return;
            }
            int channels = OutboxRecord.ChannelCount(record);
            for (int c = 0; c < channels; c++)
            {
                uint hash = OutboxRecord.ChannelHash(record, c);
                int i = IndexOf(hash);
                if (i < 0)
                {
                    if (ChannelCount == Limits.MaxChannels)
                    {
                        continue;
                    }
                    i = ChannelCount++;
                    Hashes[i] = hash;
                }
                else if (_registerSeqs[i] > seq)
                {
                    continue;
                }
                Registers[i] = OutboxRecord.ChannelRegister(record, c);
                _registerSeqs[i] = seq;
            }
        }

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
