using Commons.Metering.Gateway.Domain;
using System.Collections.Frozen;

namespace Commons.Metering.Gateway.Policy;

/// <summary>The households of the policy in force, by meter; the table is rebuilt once per policy
/// (a proposal activated or the file reloaded) and read lock-free.</summary>
internal sealed class PolicyHouseholds(PolicyStore store) : IMeterHouseholds
{
    private sealed record Table(CommunityPolicy Policy, FrozenDictionary<string, string> ByMeter);

    private Table? _table;

    public string? HouseholdOf(string meterId)
    {
        if (!store.HasPolicy) return null;
        var policy = store.Current;
        var table = Volatile.Read(ref _table);
        if (table is null || !ReferenceEquals(table.Policy, policy))
        {
            // A meter listed under two households (the loader refuses that) would take the first.
            table = new Table(policy, policy.Households.SelectMany(h => h.Meters.Select(m => (Meter: m.Id, Household: h.Id)))
                .GroupBy(x => x.Meter, StringComparer.Ordinal).ToFrozenDictionary(g => g.Key, g => g.First().Household, StringComparer.Ordinal));
            Volatile.Write(ref _table, table);
        }
        return table.ByMeter.GetValueOrDefault(meterId);
    }
}
