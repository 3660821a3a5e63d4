namespace Commons.Metering.Gateway.Actuation;

/// <summary>Latencies from a tripping reading's commit to its command handed to the broker (the
/// `e2e-policy` benchmark and /metrics): the newest 100 000 kept, percentiles on demand. Thread-safe.</summary>
public sealed class LatencyRecorder
{
    /// <summary>Bounded memory: 100 000 samples x 8 bytes = 800 KB at most.</summary>
    private const int Capacity = 100_000;
    private readonly Queue<double> _ms = new();
    private readonly Lock _gate = new();

    public void Add(TimeSpan latency)
    {
        lock (_gate)
        {
            if (_ms.Count == Capacity) _ms.Dequeue();
            _ms.Enqueue(latency.TotalMilliseconds);
        }
    }

    public int Count { get { lock (_gate) return _ms.Count; } }

    /// <summary>Nearest-rank percentile in milliseconds, null with no samples.</summary>
    public double? Percentile(double p)
    {
        double[] sorted;
        lock (_gate) sorted = [.. _ms];
        if (sorted.Length == 0) return null;
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(p / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }
}
