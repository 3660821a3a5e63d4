namespace Commons.Metering.Firmware.Session
{
    /// <summary>Where the device stands with end-to-end confirmation (docs/protocol.md,
    /// "confirmation"): PUBACK mode until the gateway's first confirmation, confirmation mode after
    /// (persisted with the totals, so it survives a restart); how many records may be out unanswered
    /// in each mode; and the resend timeout, which doubles per round the gateway stays silent (up to
    /// 2^<see cref="Limits.MaxConfirmBackoffShift"/>) so a gateway down for hours is not flooded
    /// through the broker, and starts over with any confirmation.
    /// Not thread-safe: the device calls it under its lock or from the Tick thread.</summary>
    internal sealed class ConfirmationTracker
    {
        private readonly int _maxInflight;
        private readonly int _maxUnconfirmed;
        private readonly int _confirmTimeoutMs;
        private bool _confirmMode;
        private int _confirmationsSeen;
        private int _silentRounds;

        /// <param name="maxUnconfirmed">already bounded by the outbox (MeterDevice: capacity - 4).</param>
        public ConfirmationTracker(int maxInflight, int maxUnconfirmed, int confirmTimeoutMs)
        {
            _maxInflight = maxInflight;
            _maxUnconfirmed = maxUnconfirmed;
            _confirmTimeoutMs = confirmTimeoutMs;
        }

        /// <summary>True once the gateway has confirmed: records leave only on confirmation.</summary>
        public bool ConfirmMode { get { return _confirmMode; } }

        /// <summary>The status's `confirm`: 2 in confirmation mode, else 1 (understood, learning).</summary>
        public int Level { get { return _confirmMode ? 2 : 1; } }

        /// <summary>Records that may be sent and unanswered: the unconfirmed window in confirmation
        /// mode, the in-flight window in PUBACK mode.</summary>
        public int SendWindow { get { return _confirmMode ? _maxUnconfirmed : _maxInflight; } }

        /// <summary>How long an acknowledged record waits for its confirmation before it is sent again.</summary>
        public long ResendTimeoutMs
        {
            get
            {
                int shift = _silentRounds < Limits.MaxConfirmBackoffShift ? _silentRounds : Limits.MaxConfirmBackoffShift;
                return (long)_confirmTimeoutMs << shift;
            }
        }

        /// <summary>At start: the mode of the recovered totals record.</summary>
        public void Restore(bool confirmMode)
        {
            _confirmMode = confirmMode;
        }

        /// <summary>The transport's count of confirmations received; true when it moved (the silence
        /// is over and the timeout starts over).</summary>
        public bool Saw(int confirmations)
        {
            if (confirmations == _confirmationsSeen)
            {
                return false;
            }
            _confirmationsSeen = confirmations;
            _silentRounds = 0;
            return true;
        }

        /// <summary>Switches to confirmation mode; true the first time (persist it, republish the status).</summary>
        public bool Enter()
        {
            if (_confirmMode)
            {
                return false;
            }
            _confirmMode = true;
            return true;
        }

        /// <summary>Records were sent again after a timeout with no confirmation.</summary>
        public void SilentRound()
        {
            _silentRounds++;
        }
    }
}
