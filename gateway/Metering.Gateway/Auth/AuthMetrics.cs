using System.Diagnostics.Metrics;

namespace Commons.Metering.Gateway.Auth;

/// <summary>Sign-in and token counters, on /metrics. Every sign-in outcome is there from the start, at 0.</summary>
internal sealed class AuthMetrics
{
    public const string MeterName = "Metering.Auth";

    /// <summary>The outcomes of a sign-in: ok, failed (wrong name or password), throttled (refused while locked out).</summary>
    public static readonly string[] SignInOutcomes = ["ok", "failed", "throttled"];

    private readonly Counter<long> _signIns;
    private readonly Counter<long> _tokenFailures;

    public AuthMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _signIns = meter.CreateCounter<long>("metering_signin_total",
            description: "Dashboard sign-in attempts by outcome: ok, failed (wrong name or password), throttled (refused while locked out).");
        _tokenFailures = meter.CreateCounter<long>("metering_api_token_rejected_total",
            description: "Requests with a bearer token that matches no account.");
        foreach (var outcome in SignInOutcomes) _signIns.Add(0, new KeyValuePair<string, object?>("outcome", outcome));
        _tokenFailures.Add(0);
    }

    /// <summary>One of <see cref="SignInOutcomes"/>.</summary>
    public void CountSignIn(string outcome) => _signIns.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void CountTokenRejected() => _tokenFailures.Add(1);
}
