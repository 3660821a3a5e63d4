using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>How a region shares what is left of its budget once every member's floor is met.</summary>
public enum RegionalRule
{
    /// <summary>In proportion to each community's population (persons).</summary>
    ByPopulation,

    /// <summary>In proportion to the shares the member communities agreed (e.g. water rights).</summary>
    ByShares,

    /// <summary>In proportion to each community's use in the previous period; when no member used
    /// anything yet, by population.</summary>
    ByRecentUse,
}

/// <summary>One resource's regional budget for one period (e.g. the aquifer's or river's sustainable
/// extraction for a day): amounts in the resource's base unit (mL, Wh, g) per <see cref="Period"/>.</summary>
public sealed record RegionalBudget(
    Resource Resource,
    PolicyPeriod Period,
    long BudgetPerPeriod,
    long NeedPerPersonPerPeriod,
    RegionalRule Rule);

/// <summary>What the region knows of one member community for one resource: its population (from its
/// own reports), its agreed share, its use in the previous period and its ceiling (null: none).</summary>
public sealed record MemberClaim(string Community, long Persons, long Share, long RecentUse, long? CeilingPerPeriod);

/// <summary>One community's delegated cap: <see cref="Floor"/> (persons x basic need, always given)
/// plus <see cref="ShareAmount"/> of the rest.</summary>
public sealed record CommunityAllocation(string Community, long Persons, long Floor, long ShareAmount)
{
    public long Cap => Floor + ShareAmount;
}

/// <summary>The allocation of one budget. <see cref="FloorShortfall"/> &gt; 0 says the floors alone
/// exceed the budget (every member still gets its floor: basic needs first); <see cref="Unallocated"/>
/// is what ceilings left that no member could take.</summary>
public sealed record RegionalAllocationTable(
    Resource Resource,
    PolicyPeriod Period,
    long Budget,
    long FloorShortfall,
    long Unallocated,
    IReadOnlyList<CommunityAllocation> Communities)
{
    public bool FloorsExceedBudget => FloorShortfall > 0;

    public long TotalCaps => Communities.Sum(c => c.Cap);

    public CommunityAllocation? For(string community) => Communities.FirstOrDefault(c => c.Community == community);
}
