using Commons.Metering.Gateway.Commons;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>What a community tells its region: per resource its use so far in the current period, its
/// households' count and population and its stage, and its open breakers. Built only from sums and
/// counts, never from a household's row: no household id, meter id or household use leaves (the
/// privacy test checks the encoded bytes).</summary>
public static class UpstreamSnapshot
{
    public static RegionReport Build(CommunityPolicy policy, CommunityOverview overview, long seq, long nowMs)
    {
        var households = policy.Households.Length;
        var persons = policy.Households.Sum(h => (long)h.Persons);
        var uses = overview.Resources
            .Select(r => new ResourceUse(r.Resource, policy.Resource(r.Resource).Period, r.PeriodStart.ToUnixTimeMilliseconds(), r.Used, households, persons, r.Stage))
            .ToList();
        return new RegionReport(policy.Community, seq, nowMs, overview.OpenBreakers, uses);
    }
}
