namespace Commons.Metering.Firmware.Storage
{
    /// <summary>How far a refill (docs/protocol.md, refill) has copied the flash window back into the
    /// outbox: the command that asked (its cid, acknowledged only when done), the newest seq copied,
    /// and how many records refills copied since boot. Not persisted: the unacknowledged command is
    /// the persistent request. Not thread-safe: the device calls it under its lock.</summary>
    internal sealed class RefillCursor
    {
        private string _cid;
        private long _afterSeq;
        private int _copied;

        /// <summary>True while a refill is copying.</summary>
        public bool Active { get { return _cid != null; } }

        /// <summary>Window records above this seq are still to be copied.</summary>
        public long AfterSeq { get { return _afterSeq; } }

        /// <summary>Records copied by refills since boot.</summary>
        public int Copied { get { return _copied; } }

        /// <summary>Starts, or widens, the refill: a second request while one runs takes the lower
        /// `after` and the newer cid (the older command is answered when the gateway sends it again).</summary>
        public void Start(string cid, long afterSeq)
        {
            if (_cid == null || afterSeq < _afterSeq)
            {
                _afterSeq = afterSeq;
            }
            _cid = cid;
        }

        /// <summary>The record with <paramref name="seq"/> was copied.</summary>
        public void Advance(long seq)
        {
            _afterSeq = seq;
            _copied++;
        }

        /// <summary>The window holds nothing more: ends the refill, returns the cid to acknowledge.</summary>
        public string Finish()
        {
            string cid = _cid;
            _cid = null;
            return cid;
        }
    }
}
