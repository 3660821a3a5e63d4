using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Platform;

/// <summary>A clock moved only by hand: tests set it to the time of each step. Uptime follows every forward move and never goes back (a wall clock that is set back
/// does not rewind the device's uptime). Safe to read from any thread.</summary>
public sealed class SimulatedClock : IClock
{
    private readonly object _gate = new();
    private long _unixMs;
    private long _uptimeMs;

    public SimulatedClock(long unixMs = 0)
    {
        _unixMs = unixMs;
    }

    public long UnixMs
    {
        get { lock (_gate) return _unixMs; }
    }

    public long UptimeMs
    {
        get { lock (_gate) return _uptimeMs; }
    }

    /// <summary>Sets wall time; a forward step advances uptime by the same amount.</summary>
    public void SetUnixMs(long unixMs)
    {
        lock (_gate)
        {
            if (unixMs > _unixMs) _uptimeMs += unixMs - _unixMs;
            _unixMs = unixMs;
        }
    }

    public void Advance(long ms)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ms);
        lock (_gate)
        {
            _unixMs += ms;
            _uptimeMs += ms;
        }
    }
}
