using Commons.Metering.Gateway.Telemetry;
using Prometheus;

namespace Commons.Metering.Gateway.Commons;

/// <summary>The policy runtime's Prometheus metrics, in the gateway's own registry (/metrics).</summary>
internal sealed class CommonsMetrics
{
    public CommonsMetrics(GatewayMetrics gateway, Func<long> dropped, Func<int> openCommands,
        Func<IReadOnlyList<(string Scope, string State, int Count)>> breakers)
    {
        var f = Metrics.WithCustomRegistry(gateway.Registry);
        Evaluated = f.CreateCounter("metering_policy_writes_evaluated_total", "Committed writes the policy runtime has evaluated.");
        Commands = f.CreateCounter("metering_policy_command_transitions_total", "Command state changes, by new state.", labelNames: ["state"]);
        // p50 within 5 %, p99 within 0.1 % (prometheus-net summary objectives), over the last 10 min.
        TripLatency = f.CreateSummary("metering_policy_trip_latency_seconds",
            "From the commit of a reading that changed a decision to its command handed to the broker.",
            new SummaryConfiguration { Objectives = [new QuantileEpsilonPair(0.5, 0.05), new QuantileEpsilonPair(0.99, 0.001)] });
        var droppedGauge = f.CreateGauge("metering_policy_writes_dropped", "Committed writes not evaluated because the runtime's queue was full.");
        var open = f.CreateGauge("metering_policy_commands_open", "Commands not final yet (pending, sent, or acked awaiting confirmation).");
        BreakerTransitions = f.CreateCounter("metering_policy_breaker_transitions_total",
            "Breaker transitions (audited), by scope (channel, zone, resource) and kind (opened, half_open, closed, locked, reset, reset.refused).",
            labelNames: ["scope", "kind"]);
        var notClosed = f.CreateGauge("metering_policy_breakers_not_closed", "Breakers open or half-open now, by scope and state.", labelNames: ["scope", "state"]);
        gateway.Registry.AddBeforeCollectCallback(() =>
        {
            droppedGauge.Set(dropped());
            open.Set(openCommands());
            var counts = breakers();
            foreach (var scope in new[] { "channel", "zone", "resource" })
                foreach (var state in new[] { "open", "half_open" })
                    notClosed.WithLabels(scope, state).Set(counts.Where(c => c.Scope == scope && c.State == state).Sum(c => c.Count));
        });
    }

    public Counter Evaluated { get; }
    public Counter Commands { get; }
    public Summary TripLatency { get; }
    public Counter BreakerTransitions { get; }
}
