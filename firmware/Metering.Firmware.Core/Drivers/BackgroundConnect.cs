namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>The transport's side of <see cref="ConnectAttempt"/>: at most one attempt at a time;
    /// each <see cref="Step"/> starts one when none runs, waits for it a bounded time, and hands out
    /// its result once. The core's session calls Connect every backoff step; with this, a call
    /// returns within the wait even when the broker never answers, and a connect that finishes
    /// between two calls is not lost (the next call reports it).</summary>
    internal sealed class BackgroundConnect
    {
        private ConnectAttempt _attempt;
        private string _lastError;

        /// <summary>True while an attempt runs in the background.</summary>
        public bool InProgress { get { return _attempt != null; } }

        /// <summary>Why the last finished attempt failed (its exception message), or null.</summary>
        public string LastError { get { return _lastError; } }

        /// <summary>Starts an attempt running <paramref name="work"/> unless one runs already, waits
        /// up to <paramref name="waitMs"/> for it; returns ConnectAttempt.Running, Succeeded or Failed.</summary>
        public int Step(ConnectAttempt.Work work, int waitMs)
        {
            if (_attempt == null)
            {
                _attempt = new ConnectAttempt(work);
            }
            int state = _attempt.Wait(waitMs);
            if (state != ConnectAttempt.Running)
            {
                _lastError = _attempt.Error;
                _attempt = null;
            }
            return state;
        }

        /// <summary>Forgets a running attempt (the caller disconnected): its thread ends by itself,
        /// and the work must then close what it opened; the next Step starts afresh.</summary>
        public void Abandon()
        {
            _attempt = null;
        }
    }
}
