using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>Device autonomy (docs/design.md rule 6; docs/protocol.md "Device autonomy"): each household meter
/// gets the part of the policy it enforces on its own while the gateway is away: per channel its use class
/// and allowance (with the period start and the use already counted) and its safety thresholds, and the
/// stage with the most valuable class it curtails. Pushed at start, when the policy changes, at each new
/// period and at each stage change; a value already acknowledged is not sent again.</summary>
public sealed partial class CommonsRuntime
{
    private void PushPolicy(long? cause = null)
    {
        foreach (var h in _store.Current.Households)
            foreach (var m in h.Meters)
            {
                if (!_resources.TryGetValue(m.Resource, out var rr)) continue;
                PushAllowances(h, m, rr);
                PushSafety(m, rr);
                PushStage(m, rr, cause);
            }
    }

    /// <summary>Each channel: the household's allowance for the period, counted from the household's use so
    /// far (a device sees only its own channels; the gateway's decision still covers the whole household).</summary>
    private void PushAllowances(Household h, Meter m, ResourceRuntime rr)
    {
        var status = rr.Status(h.Id, _used.GetValueOrDefault((h.Id, m.Resource)));
        var periodS = (long)(rr.PeriodEnd - rr.PeriodStart).TotalSeconds;
        foreach (var c in m.Channels)
            _commands.Desire(m.Id, $"{m.Id}/{c.Id}/allowance", CommandCodec.Allowance("", 0, c.Id, status.Allowance, periodS,
                rr.PeriodStart.ToUnixTimeMilliseconds(), status.Used, c.Use.ToString().ToLowerInvariant()),
                false, $"allowance for {rr.Policy.Period.ToString().ToLowerInvariant()} from {rr.PeriodStart:O}", "");
    }

    private void PushSafety(Meter m, ResourceRuntime rr)
    {
        if (rr.Policy.Safety is not { } s || (s.LeakMinutes is null && s.BurstMaxPerMinute is null)) return;
        foreach (var c in m.Channels)
            _commands.Desire(m.Id, $"{m.Id}/{c.Id}/safety", CommandCodec.Safety("", 0, c.Id, (s.LeakMinutes ?? 0) * 60L, s.BurstMaxPerMinute ?? 0),
                false, "safety thresholds of the policy", "");
    }

    private void PushStage(Meter m, ResourceRuntime rr, long? cause)
    {
        var stage = rr.Stages.Current;
        _commands.Desire(m.Id, m.Id + "//stage", CommandCodec.Stage("", 0, stage, CurtailWord(rr.Policy, stage)), false,
            $"stage {stage}: {rr.StageReason}", "0/none", cause);
    }

    /// <summary>docs/protocol.md, stage's `curtail`: the most valuable class the stage curtails, never essential.</summary>
    internal static string CurtailWord(ResourcePolicy rp, int stage)
    {
        var set = rp.CurtailedAt(stage);
        return set.Contains(UseClass.Standard) ? "standard" : set.Contains(UseClass.Discretionary) ? "discretionary" : "none";
    }
}
