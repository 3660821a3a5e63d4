using System.Collections.Concurrent;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>A token bucket per meter id (one device flooding the broker cannot starve the
/// others). Each uplink of a meter takes a token; tokens come back at <see cref="PerSecond"/> up to
/// <see cref="Burst"/>. Time comes from the injected <see cref="TimeProvider"/>. Buckets of meters
/// that have been idle long enough to be full again carry no information and are dropped when more
/// than <see cref="MaxTracked"/> meters are tracked, so ids made up by a flooder cannot grow memory
/// without bound.</summary>
internal sealed class MeterRateLimiter
{
    /// <summary>Our choice: 100 uplinks/s is 6000x the default reading rate of one a minute
    /// (firmware DeviceConfig.ReadingIntervalMs = 60000) and a small share of one gateway's ledger
    /// rate (docs/benchmarks.md), so one client can take at most that share.</summary>
    public const double DefaultPerSecond = 100;

    /// <summary>Our choice: a device back after an outage drains an outbox of this many records in
    /// one burst before the sustained rate applies.</summary>
    public const int DefaultBurst = 1000;

    /// <summary>Our bound: 100,000 meters per gateway (the `memory` benchmark's fleet) twice over.</summary>
    public const int MaxTracked = 200_000;

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;

    public MeterRateLimiter(double perSecond, int burst, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(perSecond);
        ArgumentOutOfRangeException.ThrowIfNegative(burst);
        PerSecond = perSecond;
        Burst = burst;
        _time = time;
    }

    public double PerSecond { get; }
    public int Burst { get; }

    /// <summary>Off when the rate or the burst is 0.</summary>
    public bool Enabled => PerSecond > 0 && Burst > 0;

    public int Tracked => _buckets.Count;

    /// <summary>Takes one token of the meter's bucket; false when it is empty.</summary>
    public bool TryAcquire(string meter)
    {
        if (!Enabled) return true;
        var now = _time.GetTimestamp();
        if (!_buckets.TryGetValue(meter, out var bucket))
        {
            if (_buckets.Count >= MaxTracked) PruneIdle(now);
            bucket = _buckets.GetOrAdd(meter, _ => new Bucket(Burst, now));
        }
        lock (bucket)
        {
            var elapsed = _time.GetElapsedTime(bucket.Stamp, now).TotalSeconds;
            if (elapsed > 0) bucket.Tokens = Math.Min(Burst, bucket.Tokens + elapsed * PerSecond);
            bucket.Stamp = now;
            if (bucket.Tokens < 1) return false;
            bucket.Tokens -= 1;
            return true;
        }
    }

    private void PruneIdle(long now)
    {
        var refill = Burst / PerSecond;
        foreach (var (meter, bucket) in _buckets)
        {
            if (_time.GetElapsedTime(bucket.Stamp, now).TotalSeconds >= refill) _buckets.TryRemove(meter, out _);
        }
    }

    private sealed class Bucket(double tokens, long stamp)
    {
        public double Tokens = tokens;
        public long Stamp = stamp;
    }
}

/// <summary>Thrown by <see cref="IngestPipeline.HandleAsync"/> for an uplink it refuses without
/// committing and that must NOT be acknowledged, so the device keeps it in its outbox and sends it
/// again later (today: a meter over its rate limit). Both brokers treat any exception from the
/// pipeline as "no PUBACK"; the embedded broker also closes the device's connection, which makes
/// the device back off before it resends. The reason is already counted.</summary>
public sealed class IngestRefusedException(RejectReason reason, string topic)
    : Exception($"uplink on '{topic}' refused ({reason.Name()}): not committed, not acknowledged")
{
    public RejectReason Reason { get; } = reason;
}
