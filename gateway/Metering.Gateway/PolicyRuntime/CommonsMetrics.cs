using System.Diagnostics.Metrics;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The policy runtime's metrics, on /metrics. The queue, open commands and breakers are read when
/// /metrics is scraped.</summary>
internal sealed class CommonsMetrics
{
    public const string MeterName = "Metering.Commons";

    private static readonly string[] BreakerScopes = ["channel", "zone", "resource"];
    private static readonly string[] NotClosedStates = ["open", "half_open"];

    private readonly Counter<long> _evaluated;
    private readonly Counter<long> _commands;
    private readonly Histogram<double> _tripLatency;
    private readonly Counter<long> _breakerTransitions;

    public CommonsMetrics(IMeterFactory meters, Func<long> dropped, Func<int> openCommands,
        Func<IReadOnlyList<(string Scope, string State, int Count)>> breakers)
    {
        var meter = meters.Create(MeterName);
        _evaluated = meter.CreateCounter<long>("metering_policy_writes_evaluated_total",
            description: "Committed writes the policy runtime has evaluated.");
        _commands = meter.CreateCounter<long>("metering_policy_command_transitions_total",
            description: "Command state changes, by new state.");
        // No bucket advice: exported as a summary, p50 and p99 over the last 10 min (Telemetry/README.md).
        _tripLatency = meter.CreateHistogram<double>("metering_policy_trip_latency_seconds",
            description: "From the commit of a reading that changed a decision to its command handed to the broker.");
        meter.CreateObservableGauge("metering_policy_writes_dropped", dropped,
            description: "Committed writes not evaluated because the runtime's queue was full.");
        meter.CreateObservableGauge("metering_policy_commands_open", openCommands,
            description: "Commands not final yet (pending, sent, or acked awaiting confirmation).");
        _breakerTransitions = meter.CreateCounter<long>("metering_policy_breaker_transitions_total",
            description: "Breaker transitions (audited), by scope (channel, zone, resource) and kind (opened, half_open, closed, locked, reset, reset.refused).");
        meter.CreateObservableGauge("metering_policy_breakers_not_closed", () =>
            {
                var counts = breakers();
                return BreakerScopes.SelectMany(scope => NotClosedStates.Select(state => new Measurement<int>(
                    counts.Where(c => c.Scope == scope && c.State == state).Sum(c => c.Count),
                    new KeyValuePair<string, object?>("scope", scope), new KeyValuePair<string, object?>("state", state))));
            },
            description: "Breakers open or half-open now, by scope and state.");
        _evaluated.Add(0);
    }

    public void CountEvaluated(int writes) => _evaluated.Add(writes);

    public void CountCommand(string state) => _commands.Add(1, new KeyValuePair<string, object?>("state", state));

    public void ObserveTripLatency(TimeSpan latency) => _tripLatency.Record(latency.TotalSeconds);

    public void CountBreakerTransition(string scope, string kind) =>
        _breakerTransitions.Add(1, new KeyValuePair<string, object?>("scope", scope), new KeyValuePair<string, object?>("kind", kind));
}
