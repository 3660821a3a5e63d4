using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>Ledger queries in the policy's terms: the API, the dashboard and the policy runtime all ask
/// the same question of the hour buckets.</summary>
internal static class HouseholdUsage
{
    /// <summary>What the household's meters of <paramref name="resource"/> used in [from, to): the
    /// ledger's hour buckets of the channels the policy lists (a channel the policy does not name is
    /// not the household's to account for). Buckets are hours of UTC: with a community offset that is
    /// not a whole hour, the bucket that straddles the period start counts in the period.</summary>
    internal static long UsedInPeriod(Household household, Resource resource, IStateStore ledger, DateTimeOffset from, DateTimeOffset to)
    {
        var fromHourMs = UsageRules.HourStartMs(from.ToUnixTimeMilliseconds());
        long used = 0;
        foreach (var meter in household.Meters.Where(m => m.Resource == resource))
        {
            var channels = meter.Channels.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
            used += ledger.Usage(meter.Id, fromHourMs, to.ToUnixTimeMilliseconds())
                .Where(c => channels.Contains(c.Channel)).Sum(c => c.Usage);
        }
        return used;
    }
}
