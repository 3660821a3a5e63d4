namespace Commons.Metering.Firmware.Storage
{
    /// <summary>The meter's sequence numbers and timestamps (README: "Sequence numbers and time").
    /// `seq` is shared by readings, events and gauges, strictly increasing and never reused: numbers
    /// are reserved in blocks of <see cref="Limits.SeqReserveBlock"/> that the device writes to flash
    /// (the totals record) before it uses one, and a restart continues after the whole reserved block.
    /// `ts` is strictly increasing too: a clock that stands still or steps back yields last + 1 ms.
    /// The device owns the flash write: it asks <see cref="NeedsReservation"/>, persists
    /// <see cref="NextReservation"/>, then reports it with <see cref="Reserved"/>.
    /// Not thread-safe: the device calls it under its lock.</summary>
    internal sealed class UplinkSequence
    {
        private long _next = 1;
        private long _reservedThrough;
        private long _lastTsMs;

        /// <summary>The last number given out (0 before the first).</summary>
        public long LastUsed { get { return _next - 1; } }

        /// <summary>The highest number safe in flash.</summary>
        public long ReservedThrough { get { return _reservedThrough; } }

        /// <summary>The newest timestamp given out, persisted with the totals.</summary>
        public long LastTsMs { get { return _lastTsMs; } }

        /// <summary>The reserved numbers are used up: reserve before <see cref="Take"/>.</summary>
        public bool NeedsReservation { get { return _next > _reservedThrough; } }

        /// <summary>The reservation to persist next: a fresh block after the last number used.</summary>
        public long NextReservation { get { return _next - 1 + Limits.SeqReserveBlock; } }

        /// <summary>At start: every number up to <paramref name="lastSeq"/> may have been used.</summary>
        public void Restore(long lastSeq, long lastTsMs)
        {
            _next = lastSeq + 1;
            _reservedThrough = lastSeq;
            _lastTsMs = lastTsMs;
        }

        /// <summary>Numbers up to <paramref name="seqThrough"/> are now in flash.</summary>
        public void Reserved(long seqThrough)
        {
            _reservedThrough = seqThrough;
        }

        /// <summary>The next number; the caller made sure it is reserved (<see cref="NeedsReservation"/>).</summary>
        public long Take()
        {
            return _next++;
        }

        /// <summary>The timestamp for a record the clock says happened at <paramref name="candidateMs"/>.</summary>
        public long NextTs(long candidateMs)
        {
            _lastTsMs = candidateMs > _lastTsMs ? candidateMs : _lastTsMs + 1;
            return _lastTsMs;
        }
    }
}
