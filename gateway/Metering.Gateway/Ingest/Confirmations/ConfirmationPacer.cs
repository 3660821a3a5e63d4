namespace Commons.Metering.Gateway.Ingest.Confirmations;

/// <summary>What to do with one uplink of a confirming meter (docs/protocol.md, "Pacing").</summary>
internal enum Pace
{
    /// <summary>Within the meter's rate: confirmed with its batch.</summary>
    Now,

    /// <summary>Over the rate but within the burst of debt: committed, its confirmation waits
    /// until the meter's bucket is out of debt again.</summary>
    Held,

    /// <summary>More than the burst over the rate: a flood, refused as rate_limited.</summary>
    Flood,
}

/// <summary>Paces confirming meters by their confirmations instead of cutting them off. Each uplink
/// takes a token of the meter's bucket (Broker:RateLimitPerMeterPerSecond, burst
/// Broker:RateLimitBurst) on credit: while the bucket is in debt the meter's confirmations are held
/// until the debt is repaid, so a device whose unconfirmed window is full waits, and its backlog
/// drains at the configured rate without a disconnect. Only debt beyond the burst (a device sending
/// far more than any window while unconfirmed) is a flood. Meters that do not confirm are limited by
/// the plain bucket (<see cref="MeterRateLimiter.TryAcquire"/>) as before.</summary>
internal sealed class ConfirmationPacer(MeterRateLimiter limiter, TimeProvider time)
{
    public MeterRateLimiter Limiter => limiter;

    public Pace Take(string meter, out DateTimeOffset releaseAt)
    {
        releaseAt = default;
        if (!limiter.TryTakeOnCredit(meter, out var repaidIn)) return Pace.Flood;
        if (repaidIn <= TimeSpan.Zero) return Pace.Now;
        releaseAt = time.GetUtcNow() + repaidIn;
        return Pace.Held;
    }
}
