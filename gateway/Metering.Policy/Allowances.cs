using System.Collections.Immutable;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Policy;

/// <summary>One household's allowance for one resource and period, in base units.</summary>
public sealed record HouseholdAllowance(string HouseholdId, int Persons, long FloorAmount, long ShareAmount)
{
    /// <summary>Floor plus its share of the rest (never below the floor).</summary>
    public long Allowance => FloorAmount + ShareAmount;
}

/// <summary>The allowances of every household for one resource and period.</summary>
/// <param name="FloorShortfall">How far the floors exceed the cap (0 when the cap covers them). Floors
/// hold anyway — basic needs first (docs/design.md rule 1) — and this is what must be reported.</param>
/// <param name="Unallocated">What the ceilings left of the cap (every household at its ceiling).</param>
public sealed record AllowanceTable(Resource Resource, PolicyPeriod Period, long Cap, long FloorShortfall, long Unallocated,
    ImmutableArray<HouseholdAllowance> Households)
{
    public bool FloorsExceedCap => FloorShortfall > 0;

    public HouseholdAllowance For(string householdId) =>
        Households.FirstOrDefault(h => h.HouseholdId == householdId) ?? throw new ArgumentException($"unknown household '{householdId}'", nameof(householdId));

    /// <summary>Remaining allowance and floor status given what the household used so far in the period.</summary>
    public AllowanceStatus Status(string householdId, long usedInPeriod)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(usedInPeriod);
        var h = For(householdId);
        return new AllowanceStatus(h.HouseholdId, usedInPeriod, h.FloorAmount, h.Allowance);
    }
}

/// <summary>Where a household stands in the period. <see cref="UnderFloor"/> is what protects its
/// essential channels from quota, stage and sanction logic.</summary>
public sealed record AllowanceStatus(string HouseholdId, long Used, long FloorAmount, long Allowance)
{
    public bool UnderFloor => Used < FloorAmount;
    public long FloorRemaining => Math.Max(0, FloorAmount - Used);
    public long Remaining => Math.Max(0, Allowance - Used);
    public bool Exhausted => Used >= Allowance;

    /// <summary>Percent of the allowance used, rounded down (a zero allowance counts as fully used
    /// once anything is used).</summary>
    public long PercentUsed => Allowance == 0 ? (Used == 0 ? 0 : long.MaxValue) : (long)((Int128)Used * 100 / Allowance);
}

/// <summary>Usage so far in the current period, per household and resource (a plain input: the
/// ledger sums it).</summary>
public sealed class UsageSnapshot
{
    private readonly Dictionary<(string, Resource), long> _used = [];

    public UsageSnapshot Set(string householdId, Resource resource, long used)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(used);
        _used[(householdId, resource)] = used;
        return this;
    }

    public long Of(string householdId, Resource resource) => _used.GetValueOrDefault((householdId, resource));
}
