using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Sinks;
using Commons.Metering.Gateway.Telemetry;

namespace Commons.Metering.Gateway.Http;

/// <summary>Refreshes the gauges that are read rather than counted (outbox rows, per-sink depth,
/// breaker state and written count from <see cref="ISinkStatus"/>) and writes the Prometheus text.</summary>
internal sealed class MetricsExporter(GatewayMetrics metrics, IStateStore store, ISinkStatus? sinks)
{
    /// <summary>Breaker states as ISinkStatus reports them; each gets a 0/1 series.</summary>
    internal static readonly string[] BreakerStates = ["closed", "open", "half_open"];

    public async Task WriteAsync(Stream destination, CancellationToken cancellationToken)
    {
        metrics.OutboxDepth.Set(store.OutboxDepth());
        foreach (var s in sinks?.Snapshot() ?? [])
        {
            metrics.SinkOutboxDepth.WithLabels(s.Name).Set(s.OutboxDepth);
            metrics.SinkWritten.WithLabels(s.Name).IncTo(s.WrittenTotal);
            foreach (var state in BreakerStates)
                metrics.SinkBreakerOpen.WithLabels(s.Name, state).Set(state == s.BreakerState ? 1 : 0);
        }
        await metrics.WriteAsync(destination, cancellationToken);
    }
}
