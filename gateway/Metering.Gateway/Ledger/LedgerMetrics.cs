using System.Diagnostics.Metrics;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>What the ledger writer measures, on /metrics: its group commits, their failures and its queue.</summary>
internal sealed class LedgerMetrics
{
    public const string MeterName = "Metering.Ledger";

    /// <summary>Group-commit batch sizes up to Ledger:MaxBatchSize (default 500).</summary>
    private static readonly int[] BatchBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

    /// <summary>Commit latency 0.5 ms .. ~4 s (14 doublings): an fsync on an SSD takes ~1 ms, on an SD card 10-100 ms.</summary>
    private static readonly double[] LatencyBuckets = [.. Enumerable.Range(0, 14).Select(i => 0.0005 * Math.Pow(2, i))];

    private readonly Histogram<int> _batchSize;
    private readonly Histogram<double> _commitSeconds;
    private readonly Counter<long> _failures;
    private readonly Gauge<int> _queueDepth;

    public LedgerMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _batchSize = meter.CreateHistogram("metering_ledger_commit_batch_size", unit: null,
            description: "Writes per ledger transaction (group commit).",
            tags: null, advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = BatchBuckets });
        _commitSeconds = meter.CreateHistogram("metering_ledger_commit_seconds", unit: null,
            description: "Duration of one ledger transaction, commit included.",
            tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = LatencyBuckets });
        _failures = meter.CreateCounter<long>("metering_ledger_commit_failures_total",
            description: "Ledger transactions that failed; their uplinks were not acknowledged.");
        _queueDepth = meter.CreateGauge<int>("metering_ledger_queue_depth", description: "Writes waiting for the ledger writer.");
        _failures.Add(0);
        _queueDepth.Record(0);
    }

    public void Committed(int writes, TimeSpan took)
    {
        _commitSeconds.Record(took.TotalSeconds);
        _batchSize.Record(writes);
    }

    public void CountFailure() => _failures.Add(1);

    public void QueueDepth(int writes) => _queueDepth.Record(writes);
}
