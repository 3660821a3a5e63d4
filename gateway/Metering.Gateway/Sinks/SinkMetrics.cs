using System.Diagnostics.Metrics;
using Commons.Metering.Gateway.Ledger;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>The sinks on /metrics, read when /metrics is scraped: the durable outbox's rows, and per
/// sink its depth, breaker state and lines written (from <see cref="ISinkStatus"/>, values the drain
/// loops cache).</summary>
internal sealed class SinkMetrics
{
    public const string MeterName = "Metering.Sinks";

    /// <summary>Breaker states as ISinkStatus reports them; each gets a 0/1 series.</summary>
    internal static readonly string[] BreakerStates = ["closed", "open", "half_open"];

    public SinkMetrics(IMeterFactory meters, IStateStore store, ISinkStatus? sinks)
    {
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("metering_sink_outbox_rows", store.OutboxDepth,
            description: "Rows waiting in the durable sink outbox (sink_outbox).");
        meter.CreateObservableGauge("metering_sink_outbox_depth",
            () => Snapshot(sinks).Select(s => new Measurement<long>(s.OutboxDepth, new KeyValuePair<string, object?>("sink", s.Name))),
            description: "Outbox depth per sink.");
        meter.CreateObservableGauge("metering_sink_breaker_state",
            () => Snapshot(sinks).SelectMany(s => BreakerStates.Select(state => new Measurement<int>(state == s.BreakerState ? 1 : 0,
                new KeyValuePair<string, object?>("sink", s.Name), new KeyValuePair<string, object?>("state", state)))),
            description: "Breaker state per sink: 1 for the current state.");
        meter.CreateObservableCounter("metering_sink_written_total",
            () => Snapshot(sinks).Select(s => new Measurement<long>(s.WrittenTotal, new KeyValuePair<string, object?>("sink", s.Name))),
            description: "Lines written per sink since start.");
    }

    private static IReadOnlyList<SinkSnapshot> Snapshot(ISinkStatus? sinks) => sinks?.Snapshot() ?? [];
}
