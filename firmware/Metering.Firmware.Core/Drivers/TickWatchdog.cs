namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>The decision half of the board's software watchdog: the main loop feeds it after
    /// every Tick; a separate thread asks <see cref="IsStalled"/> and reboots the board when the loop
    /// has not come back for <see cref="TimeoutMs"/> (a hung connect, a deadlock, a driver that
    /// waits forever). Thread-safe. Time is the core's uptime clock, so tests drive it by hand.</summary>
    public sealed class TickWatchdog
    {
        private readonly object _sync = new object();
        private long _lastFedUptimeMs;
        private bool _armed;

        public TickWatchdog(int timeoutMs)
        {
            if (timeoutMs <= 0)
            {
                throw new System.ArgumentException("timeout must be positive");
            }
            TimeoutMs = timeoutMs;
        }

        public int TimeoutMs { get; private set; }

        /// <summary>The loop is alive at <paramref name="uptimeMs"/>; the first feed arms the watchdog
        /// (a board that is still booting is not judged).</summary>
        public void Feed(long uptimeMs)
        {
            lock (_sync)
            {
                _lastFedUptimeMs = uptimeMs;
                _armed = true;
            }
        }

        /// <summary>True once armed and not fed for longer than the timeout.</summary>
        public bool IsStalled(long uptimeMs)
        {
            lock (_sync)
            {
                return _armed && uptimeMs - _lastFedUptimeMs > TimeoutMs;
            }
        }
    }
}
