using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>When each household had a channel of a resource cut for a reason other than zone rotation
/// (stage, resource breaker, sanction, quota, safety trip), as spans of time: the household page counts
/// curtailed minutes for every cause, not only rotation (which RotationScheduler counts itself).
/// Spans that ended before the current period are dropped. Kept in memory: after a restart the
/// count starts again from the decisions the runtime makes then.</summary>
internal sealed class CurtailedTime
{
    private readonly Dictionary<(string Household, Resource Resource), List<(DateTimeOffset Start, DateTimeOffset? End)>> _spans = [];

    /// <summary>A cut that counts here: any cut but rotation's.</summary>
    public static bool Counts(ChannelDecision? d) => d is { IsCut: true } && !(d.Kind == DecisionKind.Curtailed && d.Reason == CurtailReason.Rotation);

    /// <summary>Records whether the household is cut now (after the runtime decided its channels).</summary>
    public void Observe(string household, Resource resource, bool cut, DateTimeOffset now, DateTimeOffset periodStart)
    {
        if (!_spans.TryGetValue((household, resource), out var spans))
        {
            if (!cut) return;
            _spans[(household, resource)] = spans = [];
        }
        var open = spans.Count > 0 && spans[^1].End is null;
        if (cut && !open) spans.Add((now, null));
        else if (!cut && open) spans[^1] = (spans[^1].Start, now);
        spans.RemoveAll(s => s.End is { } end && end <= periodStart);
    }

    /// <summary>Whole minutes cut within [periodStart, now].</summary>
    public long Minutes(string household, Resource resource, DateTimeOffset periodStart, DateTimeOffset now)
    {
        if (!_spans.TryGetValue((household, resource), out var spans)) return 0;
        var total = TimeSpan.Zero;
        foreach (var (start, end) in spans)
        {
            var from = start > periodStart ? start : periodStart;
            var to = end is { } e && e < now ? e : now;
            if (to > from) total += to - from;
        }
        return (long)total.TotalMinutes;
    }
}
