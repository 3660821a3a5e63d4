namespace Commons.Metering.Gateway.Sinks;

/// <summary>State of the sinks for /metrics. Cheap: returns values cached by the drain loops.</summary>
public interface ISinkStatus
{
    /// <summary>One entry per configured sink; empty when Metering:Influx:Kind is None.</summary>
    IReadOnlyList<SinkSnapshot> Snapshot();
}

/// <summary>One sink's state.</summary>
/// <param name="Name">Sink name (cursor key and metrics label), e.g. "influx".</param>
/// <param name="OutboxDepth">Outbox rows not yet delivered to this sink (as of the last drain cycle).</param>
/// <param name="BreakerState">"closed", "open" or "half_open".</param>
/// <param name="WrittenTotal">Lines the sink accepted since start.</param>
/// <param name="FailedTotal">Write attempts that failed since start (each retry counts; breaker
/// short-circuits do not).</param>
/// <param name="LastError">Message of the most recent failure, or null if none since start.</param>
public sealed record SinkSnapshot(
    string Name,
    long OutboxDepth,
    string BreakerState,
    long WrittenTotal,
    long FailedTotal,
    string? LastError)
{
    /// <summary>Lines the sink refused as malformed, moved to sink_dead_letter since start.</summary>
    public long DeadLetteredTotal { get; init; }
}
