using System.Diagnostics;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Replay;

/// <summary>A replayed meter's clock: wall time is the dataset's (set row by row), uptime is the
/// host's real elapsed time. So everything the core times by uptime (reconnect backoff, the
/// confirmation timeout, persistence) runs in real time while a replay waits for the gateway: a
/// device disconnected mid-replay reconnects even when no row is fed, and a burst of rows hours of
/// dataset time apart is not mistaken for hours without a confirmation.</summary>
public sealed class ReplayClock : IClock
{
    private readonly Stopwatch _uptime = Stopwatch.StartNew();
    private long _unixMs;

    public long UnixMs => Interlocked.Read(ref _unixMs);

    public long UptimeMs => _uptime.ElapsedMilliseconds;

    /// <summary>Sets wall time to the next row's time (never backwards: a dataset is in time order).</summary>
    public void SetUnixMs(long unixMs)
    {
        long current;
        do
        {
            current = Interlocked.Read(ref _unixMs);
            if (unixMs <= current) return;
        }
        while (Interlocked.CompareExchange(ref _unixMs, unixMs, current) != current);
    }
}
