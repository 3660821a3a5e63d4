using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>A region's budget shared among its member communities, in exact integer arithmetic, the
/// same three steps a community uses among its households (Policy/AllowanceCalculator.cs):
/// 1. floors first: each community gets persons x basic need, even when the floors together exceed the
///    budget (docs/design.md rule 1); the excess is reported as <see cref="RegionalAllocationTable.FloorShortfall"/>
///    and nothing else is shared out;
/// 2. the rest of the budget is split by the rule's weight (population, agreed share or last period's
///    use) with the largest-remainder method, so the shares sum exactly to what is distributed;
/// 3. a ceiling clamps a community; what it could not take goes to the others (water-filling); what no
///    one can take stays in the river, reported as <see cref="RegionalAllocationTable.Unallocated"/>.
/// A ceiling below a community's floor is lifted to the floor: the floor always wins.</summary>
public static class RegionalAllocation
{
    public static RegionalAllocationTable Compute(RegionalBudget budget, IReadOnlyList<MemberClaim> members)
    {
        ArgumentNullException.ThrowIfNull(budget);
        ArgumentNullException.ThrowIfNull(members);
        if (budget.BudgetPerPeriod < 0) throw new ArgumentOutOfRangeException(nameof(budget), budget.BudgetPerPeriod, "a budget cannot be negative");
        if (budget.NeedPerPersonPerPeriod < 0) throw new ArgumentOutOfRangeException(nameof(budget), budget.NeedPerPersonPerPeriod, "a basic need cannot be negative");
        if (members.Select(m => m.Community).Distinct(StringComparer.Ordinal).Count() != members.Count)
            throw new ArgumentException("a community is listed twice", nameof(members));
        foreach (var m in members)
            if (m.Persons < 0 || m.Share < 0 || m.RecentUse < 0 || m.CeilingPerPeriod < 0)
                throw new ArgumentException($"community '{m.Community}': persons, share, recent use and ceiling cannot be negative", nameof(members));

        var floors = members.Select(m => checked(m.Persons * budget.NeedPerPersonPerPeriod)).ToArray();
        var totalFloors = floors.Aggregate(0L, (a, b) => checked(a + b));
        var shortfall = Math.Max(0, totalFloors - budget.BudgetPerPeriod);
        var distributable = Math.Max(0, budget.BudgetPerPeriod - totalFloors);
        var weights = Weights(budget.Rule, members);
        var room = members.Select((m, i) => m.CeilingPerPeriod is { } c ? Math.Max(0, c - floors[i]) : long.MaxValue).ToArray();
        var shares = Share(distributable, weights, room);
        var allocated = shares.Aggregate(0L, (a, b) => checked(a + b));
        return new RegionalAllocationTable(budget.Resource, budget.Period, budget.BudgetPerPeriod, shortfall, distributable - allocated,
            [.. members.Select((m, i) => new CommunityAllocation(m.Community, m.Persons, floors[i], shares[i]))]);
    }

    private static long[] Weights(RegionalRule rule, IReadOnlyList<MemberClaim> members)
    {
        long[] Of(Func<MemberClaim, long> f) => [.. members.Select(f)];
        return rule switch
        {
            RegionalRule.ByPopulation => Of(m => m.Persons),
            RegionalRule.ByShares => Of(m => m.Share),
            // Nobody has used anything yet (the region's first period): population is the neutral start.
            RegionalRule.ByRecentUse => members.Any(m => m.RecentUse > 0) ? Of(m => m.RecentUse) : Of(m => m.Persons),
            _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, null),
        };
    }

    /// <summary>Water-fills among the members with a positive weight only: a zero weight takes nothing,
    /// and leaving it out keeps the split's total weight positive once the others are clamped.</summary>
    private static long[] Share(long amount, long[] weights, long[] room)
    {
        var shares = new long[weights.Length];
        var takers = Enumerable.Range(0, weights.Length).Where(i => weights[i] > 0).ToArray();
        if (takers.Length == 0 || amount == 0) return shares;
        var split = AllowanceCalculator.WaterFill(amount, [.. takers.Select(i => weights[i])], [.. takers.Select(i => room[i])]);
        for (var j = 0; j < takers.Length; j++) shares[takers[j]] = split[j];
        return shares;
    }
}
