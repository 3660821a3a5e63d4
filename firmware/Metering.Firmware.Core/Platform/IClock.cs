namespace Commons.Metering.Firmware.Platform
{
    /// <summary>Time as the device sees it. Everything time-based in the core takes this seam,
    /// so tests drive time by hand and never sleep.</summary>
    public interface IClock
    {
        /// <summary>Wall-clock time, Unix epoch milliseconds UTC (SNTP on the ESP32).
        /// 0 while the clock has not been set since boot.</summary>
        long UnixMs { get; }

        /// <summary>Milliseconds since boot; monotonic, never goes back.</summary>
        long UptimeMs { get; }
    }
}
