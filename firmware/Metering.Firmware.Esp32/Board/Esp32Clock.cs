using System;
using Commons.Metering.Firmware.Platform;
using nanoFramework.Hardware.Esp32;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>Wall time from the RTC (set by SNTP through WifiNetworkHelper; it keeps running in
    /// deep sleep), uptime from the ESP32 high-resolution timer (microseconds since boot).</summary>
    internal sealed class Esp32Clock : IClock
    {
        /// <summary>2024-01-01T00:00:00Z: an RTC earlier than this still holds its power-on default,
        /// not SNTP time, so the core is told the clock is not set (IClock.UnixMs = 0).</summary>
        private const long ClockSetAfterUnixMs = 1704067200000;

        private static readonly long UnixEpochTicks = new DateTime(1970, 1, 1).Ticks;

        public long UnixMs
        {
            get
            {
                long ms = (DateTime.UtcNow.Ticks - UnixEpochTicks) / TimeSpan.TicksPerMillisecond;
                return ms < ClockSetAfterUnixMs ? 0 : ms;
            }
        }

        public long UptimeMs
        {
            get { return (long)(HighResTimer.GetCurrent() / 1000); }
        }
    }
}
