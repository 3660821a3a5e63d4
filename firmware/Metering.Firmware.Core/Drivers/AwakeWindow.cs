namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>When a battery node may go back to deep sleep: as soon as its work is done (the
    /// outbox acknowledged on a live connection and no weighing under way), and in any case once it
    /// has been awake for <see cref="AwakeMaxMs"/> (no network: keep the battery, the outbox waits
    /// in flash for the next wake). Each wake is a reboot: uptime starts at 0.</summary>
    public sealed class AwakeWindow
    {
        /// <summary>A wake shorter than this cannot have connected Wi-Fi (DHCP + SNTP take seconds),
        /// so it never ends the window early on a stale "connected" state.</summary>
        public const int MinAwakeMs = 2000;

        public AwakeWindow(int awakeMaxMs)
        {
            if (awakeMaxMs < MinAwakeMs)
            {
                throw new System.ArgumentException("awake window shorter than the minimum");
            }
            AwakeMaxMs = awakeMaxMs;
        }

        public int AwakeMaxMs { get; private set; }

        public bool ShouldSleep(long uptimeMs, int outboxDepth, bool connected, bool busy)
        {
            if (uptimeMs >= AwakeMaxMs)
            {
                return true;
            }
            return uptimeMs >= MinAwakeMs && connected && outboxDepth == 0 && !busy;
        }
    }
}
