using System.Collections.Concurrent;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>A token bucket per meter id (one device flooding the broker cannot starve the
/// others). Each uplink of a meter takes a token; tokens come back at <see cref="PerSecond"/> up to
/// <see cref="Burst"/>. Time comes from the injected <see cref="TimeProvider"/>. Buckets of meters
/// that have been idle long enough to be full again carry no information and are dropped when more
/// than <see cref="MaxTracked"/> meters are tracked, so ids made up by a flooder cannot grow memory
/// without bound.</summary>
internal sealed class MeterRateLimiter
{
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

    /// <summary>Takes one token of the meter's bucket on credit: the bucket may go up to
    /// <see cref="Burst"/> tokens into debt. False (nothing taken) when that debt is used up;
    /// otherwise <paramref name="repaidIn"/> is how long until the bucket is out of debt again
    /// (zero when a token was there). Pacing of confirming meters (Confirmations/ConfirmationPacer.cs).</summary>
    public bool TryTakeOnCredit(string meter, out TimeSpan repaidIn)
    {
        repaidIn = TimeSpan.Zero;
        if (!Enabled) return true;
        var now = _time.GetTimestamp();
        var bucket = BucketOf(meter, now);
        lock (bucket)
        {
            Refill(bucket, now);
            if (bucket.Tokens - 1 < -Burst) return false;
            bucket.Tokens -= 1;
            if (bucket.Tokens < 0) repaidIn = TimeSpan.FromSeconds(-bucket.Tokens / PerSecond);
            return true;
        }
    }

    /// <summary>Takes one token of the meter's bucket; false when it is empty.</summary>
    public bool TryAcquire(string meter)
    {
        if (!Enabled) return true;
        var now = _time.GetTimestamp();
        var bucket = BucketOf(meter, now);
        lock (bucket)
        {
            Refill(bucket, now);
            if (bucket.Tokens < 1) return false;
            bucket.Tokens -= 1;
            return true;
        }
    }

    private Bucket BucketOf(string meter, long now)
    {
        if (_buckets.TryGetValue(meter, out var bucket)) return bucket;
        if (_buckets.Count >= MaxTracked) PruneIdle(now);
        return _buckets.GetOrAdd(meter, _ => new Bucket(Burst, now));
    }

    private void Refill(Bucket bucket, long now)
    {
        var elapsed = _time.GetElapsedTime(bucket.Stamp, now).TotalSeconds;
        if (elapsed > 0) bucket.Tokens = Math.Min(Burst, bucket.Tokens + elapsed * PerSecond);
        bucket.Stamp = now;
    }

    /// <summary>Drops buckets that are full again (a bucket in debt takes longer to get there).</summary>
    private void PruneIdle(long now)
    {
        foreach (var (meter, bucket) in _buckets)
        {
            double tokens;
            long stamp;
            lock (bucket) (tokens, stamp) = (bucket.Tokens, bucket.Stamp);
            if (tokens + _time.GetElapsedTime(stamp, now).TotalSeconds * PerSecond >= Burst) _buckets.TryRemove(meter, out _);
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
