using Commons.Metering.Gateway.Telemetry;
using Prometheus;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Sign-in counters, exported with the gateway's other metrics on /metrics (same registry).</summary>
internal sealed class AuthMetrics
{
    public AuthMetrics(GatewayMetrics metrics)
    {
        var f = Metrics.WithCustomRegistry(metrics.Registry);
        SignIns = f.CreateCounter("metering_signin_total",
            "Dashboard sign-in attempts by outcome: ok, failed (wrong name or password), throttled (refused while locked out).",
            labelNames: ["outcome"]);
        TokenFailures = f.CreateCounter("metering_api_token_rejected_total", "Requests with a bearer token that matches no account.");
        foreach (var outcome in new[] { "ok", "failed", "throttled" }) SignIns.WithLabels(outcome).Inc(0);
    }

    public Counter SignIns { get; }
    public Counter TokenFailures { get; }
}
