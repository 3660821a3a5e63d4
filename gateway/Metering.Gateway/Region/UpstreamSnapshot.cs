using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>What a community tells its region: per resource its use so far in the current period, its
/// households' count and population and its stage, and its open breakers. Built only from sums and
/// counts, never from a household's row: no household id, meter id or household use leaves (the
/// privacy test checks the encoded bytes). Shared gauges go up only when Upstream:Gauges names them,
/// under the regional name given there.</summary>
public static class UpstreamSnapshot
{
    public static RegionReport Build(CommunityPolicy policy, CommunityOverview overview, long seq, long nowMs,
        IReadOnlyList<UpstreamGaugeOptions>? gauges = null, ILatestGauges? latest = null)
    {
        var households = policy.Households.Length;
        var persons = policy.Households.Sum(h => (long)h.Persons);
        var uses = overview.Resources
            .Select(r => new ResourceUse(r.Resource, policy.Resource(r.Resource).Period, r.PeriodStart.ToUnixTimeMilliseconds(), r.Used, households, persons, r.Stage))
            .ToList();
        // Only the gauges named in Upstream:Gauges, under their regional names, and only once heard.
        var reported = new List<RegionalGauge>();
        foreach (var g in gauges ?? [])
            if (latest is not null && latest.TryLatest(g.Meter, g.Gauge, out var value, out var tsMs)) reported.Add(new RegionalGauge(g.Name, value, tsMs));
        return new RegionReport(policy.Community, seq, nowMs, overview.OpenBreakers, uses, reported);
    }
}
