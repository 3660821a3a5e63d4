using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Tests.Doubles;

/// <summary>A clock the test moves by hand. Unix time 0 means "not set yet".</summary>
public sealed class ManualClock : IClock
{
    public ManualClock(long unixMs, long uptimeMs = 0)
    {
        UnixMs = unixMs;
        UptimeMs = uptimeMs;
    }

    public long UnixMs { get; set; }
    public long UptimeMs { get; set; }

    /// <summary>Moves uptime, and wall time when it is set.</summary>
    public void Advance(long ms)
    {
        UptimeMs += ms;
        if (UnixMs != 0)
        {
            UnixMs += ms;
        }
    }
}
