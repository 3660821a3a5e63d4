namespace Commons.Metering.Gateway.Policy;

/// <summary>Leak = continuous flow for N minutes: every interval between consecutive readings shows the
/// register rising. An interval without a rise, a register that goes down (swap, fault) or a gap longer
/// than <see cref="MaxInterval"/> (continuity unknown) restarts the count. Out-of-order readings are ignored.</summary>
public sealed class LeakDetector(TimeSpan leakAfter, TimeSpan maxInterval)
{
    private DateTimeOffset? _lastTime;
    private long _lastRegister;
    private DateTimeOffset? _flowSince;

    public TimeSpan LeakAfter { get; } = leakAfter;
    public TimeSpan MaxInterval { get; } = maxInterval;

    public TimeSpan FlowingFor => _flowSince is { } s && _lastTime is { } t ? t - s : TimeSpan.Zero;

    /// <summary>Feeds a reading; true while the flow has been continuous for at least LeakAfter.</summary>
    public bool Observe(DateTimeOffset time, long register)
    {
        if (_lastTime is { } last && time <= last) return IsLeak;
        if (_lastTime is { } prev)
        {
            var rising = register > _lastRegister && time - prev <= MaxInterval;
            _flowSince = rising ? _flowSince ?? prev : null;
        }
        (_lastTime, _lastRegister) = (time, register);
        return IsLeak;
    }

    public bool IsLeak => FlowingFor >= LeakAfter;
}

/// <summary>Burst = a rate over the maximum between two consecutive readings (exact: rise x 60000 is
/// compared with max x interval in ms, no rounding).</summary>
public sealed class BurstDetector(long maxPerMinute)
{
    private DateTimeOffset? _lastTime;
    private long _lastRegister;

    public long MaxPerMinute { get; } = maxPerMinute;

    public bool Observe(DateTimeOffset time, long register)
    {
        var burst = false;
        if (_lastTime is { } last)
        {
            if (time <= last) return false;
            var rise = register - _lastRegister;
            var ms = (long)(time - last).TotalMilliseconds;
            burst = rise > 0 && (Int128)rise * 60_000 > (Int128)MaxPerMinute * ms;
        }
        (_lastTime, _lastRegister) = (time, register);
        return burst;
    }
}
