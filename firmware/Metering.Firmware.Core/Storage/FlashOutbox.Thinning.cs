namespace Commons.Metering.Firmware.Storage
{
    /// <summary>Thinning: what the outbox gives up when it is full (outbox.md). Registers are
    /// cumulative, so dropping a reading between two kept readings loses resolution, never usage.</summary>
    internal sealed partial class FlashOutbox
    {
        /// <summary>Drops every second thinnable reading of the older half of the candidates.
        /// Candidates are periodic readings that are not pinned, not in flight and not the newest
        /// such reading (which always stays). Events, acks and forest bookings are never
        /// candidates. Returns how many records were dropped.</summary>
        public int Thin()
        {
            int newest = NewestThinnable();
            int candidates = 0;
            for (int i = 0; i < _count; i++)
            {
                if (IsCandidate(i, newest))
                {
                    candidates++;
                }
            }
            if (candidates == 0)
            {
                return 0;
            }
            int olderHalf = (candidates + 1) / 2;
            int rank = 0;
            int dropped = 0;
            int k = 0;
            while (k < _count)
            {
                if (IsCandidate(k, newest))
                {
                    bool drop = candidates == 1 || (rank % 2 == 1 && rank < olderHalf) || (olderHalf == 1 && rank == 0);
                    rank++;
                    if (drop)
                    {
                        Remove(k);
                        newest--;
                        dropped++;
                        continue;
                    }
                }
                k++;
            }
            return dropped;
        }

        /// <summary>Gauges when no reading is thinnable: every second gauge record of the older half,
        /// never the newest gauge nor one in flight. A gauge is a snapshot, so this loses history,
        /// never usage; events, acks and bookings still outlive it. Returns how many were dropped.</summary>
        public int ThinGauges()
        {
            int newest = -1;
            int candidates = 0;
            for (int i = _count - 1; i >= 0; i--)
            {
                if ((_flagsOf[i] & FlagGauge) != 0)
                {
                    if (newest < 0)
                    {
                        newest = i;
                    }
                    else if (_messageIdOf[i] == 0)
                    {
                        candidates++;
                    }
                }
            }
            int olderHalf = (candidates + 1) / 2;
            int rank = 0;
            int dropped = 0;
            int k = 0;
            while (k < _count && rank < olderHalf)
            {
                if (k != newest && (_flagsOf[k] & FlagGauge) != 0 && _messageIdOf[k] == 0)
                {
                    bool drop = rank % 2 == 0;
                    rank++;
                    if (drop)
                    {
                        Remove(k);
                        newest--;
                        dropped++;
                        continue;
                    }
                }
                k++;
            }
            return dropped;
        }

        /// <summary>The last resort when nothing is thinnable: drops the oldest record that is not
        /// in flight, whatever its kind. Returns false when every record is in flight.</summary>
        public bool DropOldest()
        {
            for (int i = 0; i < _count; i++)
            {
                if (_messageIdOf[i] == 0)
                {
                    Remove(i);
                    return true;
                }
            }
            return false;
        }

        private bool IsCandidate(int i, int newest)
        {
            return i != newest && (_flagsOf[i] & (FlagThinnable | FlagPinned)) == FlagThinnable && _messageIdOf[i] == 0;
        }
    }
}
