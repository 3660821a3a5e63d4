namespace Commons.Metering.Gateway.Sinks;

/// <summary>Every default and limit of the sinks, in one place. README.md's options table is
/// checked against these values by a unit test.</summary>
internal static class SinkConstants
{
    /// <summary>Configuration section bound to <see cref="InfluxOptions"/>.</summary>
    public const string SectionName = "Metering:Influx";

    /// <summary>Key of the gateway's data directory (the ledger owns it); metering.db lives there.</summary>
    public const string DataDirectoryKey = "Metering:Storage:DataDirectory";

    /// <summary>Used when <see cref="DataDirectoryKey"/> is unset: a folder beside the process.</summary>
    public const string FallbackDataDirectory = "data";

    /// <summary>File name of the gateway's SQLite database (contract with the ledger).</summary>
    public const string DatabaseFileName = "metering.db";

    /// <summary>Name of the single InfluxDB sink: its cursor row, its metrics label.</summary>
    public const string InfluxSinkName = "influx";

    public const InfluxKind DefaultKind = InfluxKind.None;

    // InfluxData, "Optimize writes to InfluxDB": "the optimal batch size is 5000 lines of line protocol".
    public const int DefaultBatchSize = 5000;

    // InfluxDB 1.x [http] max-body-size defaults to 25 MB; 50 000 readings of ~200 bytes stay far below it.
    public const int MaxBatchSize = 50_000;

    // InfluxDB.Client WriteOptions: FlushInterval defaults to 1000 ms.
    public const int DefaultFlushIntervalMs = 1000;

    // Our choice: after the ledger committed readings, a caught-up sink waits this long for more, so
    // a steady stream goes out in batches (~1,000 lines at 10,000 readings/s) and still reaches
    // InfluxDB within about a tenth of a second (docs/benchmarks.md, `e2e`).
    public const int DefaultLingerMs = 100;

    // InfluxDB.Client InfluxDBClientOptions: Timeout defaults to 10 s.
    public const int DefaultRequestTimeoutMs = 10_000;

    // Polly RetryStrategyOptions: MaxRetryAttempts defaults to 3 (0 here means no retry strategy).
    public const int DefaultMaxRetryAttempts = 3;

    // Polly RetryStrategyOptions: Delay defaults to 2 s; here the base of an exponential backoff with jitter.
    public const int DefaultRetryBaseDelayMs = 2000;

    // Our choice: a backoff step never exceeds the breaker's sampling window (below), so retries of one
    // failing cycle still count together toward opening the breaker.
    public const int DefaultRetryMaxDelayMs = 30_000;

    // Our choice (Polly's 0.1 assumes hundreds of calls per window; a sink makes about one per second).
    public const double DefaultBreakerFailureRatio = 0.5;

    // 1 + DefaultMaxRetryAttempts: one fully failed drain cycle is enough to open the breaker.
    // Polly requires at least 2 (CircuitBreakerStrategyOptions.MinimumThroughput).
    public const int DefaultBreakerMinimumThroughput = 4;

    // Polly CircuitBreakerStrategyOptions: SamplingDuration defaults to 30 s, must be at least 0.5 s.
    public const int DefaultBreakerSamplingDurationMs = 30_000;

    // Polly CircuitBreakerStrategyOptions: BreakDuration defaults to 5 s, must be at least 0.5 s.
    public const int DefaultBreakerBreakDurationMs = 5000;

    // Polly's lower bound for SamplingDuration and BreakDuration.
    public const int MinBreakerDurationMs = 500;

    // Our choice: prune in chunks so one DELETE never holds the write lock for long (the ledger
    // group-commits on the same file).
    public const int PruneChunkRows = 10_000;

    // Our choice: busy_timeout for the sink's short SQLite transactions, well above a ledger group commit.
    public const int SqliteBusyTimeoutMs = 5000;

    /// <summary>Shown instead of a secret when the configuration is logged.</summary>
    public const string Mask = "***";
}
