namespace Commons.Metering.Firmware.Storage
{
    /// <summary>What the `outbox_thinned` event (docs/protocol.md, event) still has to say: records
    /// dropped to make room (thinning, or damaged ones found at recovery) and not yet reported, and
    /// the pending event that reported the earlier ones. One event carries the count; while an
    /// earlier one is still unsent it is replaced by one with the sum, so a long offline spell sends
    /// one event, not hundreds. Not thread-safe: the device calls it under its lock.</summary>
    internal sealed class ThinnedReport
    {
        private long _unreported;
        private int _pendingSerial;
        private long _pendingCount;

        public bool HasUnreported { get { return _unreported > 0; } }

        /// <summary>The outbox serial of the last event appended and not yet gone; 0 when none.</summary>
        public int PendingSerial { get { return _pendingSerial; } }

        public void Dropped(long records)
        {
            _unreported += records;
        }

        /// <summary>The count for the next event: the unreported drops, plus what the pending event
        /// said when it is being replaced.</summary>
        public long Total(bool replacesPending)
        {
            return _unreported + (replacesPending ? _pendingCount : 0);
        }

        /// <summary>An event with <paramref name="total"/> was appended as <paramref name="serial"/>.</summary>
        public void Reported(int serial, long total)
        {
            _pendingSerial = serial;
            _pendingCount = total;
            _unreported = 0;
        }

        /// <summary>The record <paramref name="serial"/> left the outbox: if it was the pending event,
        /// there is none any more (a later report starts a new event).</summary>
        public void Left(int serial)
        {
            if (serial == _pendingSerial)
            {
                _pendingSerial = 0;
            }
        }
    }
}
