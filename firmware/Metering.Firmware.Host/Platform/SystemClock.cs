using System.Diagnostics;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Platform;

/// <summary>The host's own clocks: wall time from the system (NTP-disciplined on a Pi) and
/// uptime from the monotonic stopwatch, counted from when this clock was made ("boot").</summary>
public sealed class SystemClock : IClock
{
    private readonly TimeProvider _time;
    private readonly long _bootTimestamp;

    public SystemClock(TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _bootTimestamp = _time.GetTimestamp();
    }

    public long UnixMs => _time.GetUtcNow().ToUnixTimeMilliseconds();

    public long UptimeMs => (long)_time.GetElapsedTime(_bootTimestamp).TotalMilliseconds;
}

/// <summary>Device time that runs <see cref="Speed"/> times faster than real time from a
/// chosen start, for sped-up demos: at speed 30 a device minute passes every 2 real seconds.</summary>
public sealed class ScaledClock : IClock
{
    private readonly long _startUnixMs;
    private readonly long _startTimestamp;

    public ScaledClock(long startUnixMs, double speed)
    {
        if (!(speed > 0) || double.IsInfinity(speed))
            throw new ArgumentOutOfRangeException(nameof(speed), speed, "speed must be a positive number");
        _startUnixMs = startUnixMs;
        Speed = speed;
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    public double Speed { get; }

    public long UptimeMs => (long)(Stopwatch.GetElapsedTime(_startTimestamp).TotalMilliseconds * Speed);

    public long UnixMs => _startUnixMs + UptimeMs;
}
