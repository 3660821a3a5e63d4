namespace Commons.Metering.Gateway.Policy;

/// <summary>The safety guard of one channel: its leak and burst detectors (from the resource's
/// <see cref="SafetyLimits"/>) feeding its breaker. A leak or burst is a safety trip that needs a
/// technician's reset; the breaker's <see cref="CircuitBreaker.Safety"/> is what
/// <see cref="ChannelContext.SafetyTrip"/> carries into the decision.</summary>
public sealed class ChannelSafety
{
    /// <summary>Readings further apart than this do not prove continuous flow: 15 min, fifteen times the
    /// firmware's default reading interval (ReadingIntervalMs 60000, firmware/Metering.Firmware.Core/README.md),
    /// so a few lost or delayed readings do not hide a leak.</summary>
    public static readonly TimeSpan DefaultMaxInterval = TimeSpan.FromMinutes(15);

    private readonly LeakDetector? _leak;
    private readonly BurstDetector? _burst;

    public ChannelSafety(string channelId, SafetyLimits limits, BreakerOptions options, TimeProvider time, IAuditSink audit, TimeSpan? maxInterval = null)
    {
        Breaker = new CircuitBreaker(channelId, BreakerScope.Channel, options, time, audit);
        if (limits.LeakMinutes is { } m) _leak = new LeakDetector(TimeSpan.FromMinutes(m), maxInterval ?? DefaultMaxInterval);
        if (limits.BurstMaxPerMinute is { } b) _burst = new BurstDetector(b);
    }

    public CircuitBreaker Breaker { get; }

    /// <summary>The safety reason while the breaker is open or probing, else null.</summary>
    public SafetyReason? Trip => Breaker.State == BreakerState.Closed ? null : Breaker.Safety;

    public SafetyReason? Observe(DateTimeOffset time, long register)
    {
        var burst = _burst?.Observe(time, register) ?? false;
        var leak = _leak?.Observe(time, register) ?? false;
        if (burst) Breaker.Trip($"rate over {_burst!.MaxPerMinute} per minute", SafetyReason.Burst, requiresTechnician: true);
        else if (leak) Breaker.Trip($"continuous flow for {_leak!.FlowingFor.TotalMinutes:0} min", SafetyReason.Leak, requiresTechnician: true);
        return Trip;
    }
}
