using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Region;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Region;

/// <summary>The invariants of a regional allocation over random budgets, populations, shares, recent
/// use, ceilings and rules: basic needs first, the budget never exceeded unless the floors alone
/// exceed it, no ceiling passed, every unit accounted for.</summary>
public sealed class RegionalAllocationProperties
{
    private static readonly Gen<(long Persons, long Share, long RecentUse, long? Ceiling)> Member =
        from persons in Gen.Long[0, 20_000]
        from share in Gen.Long[0, 10]
        from recent in Gen.Long[0, 5_000_000_000]
        from hasCeiling in Gen.Bool
        from ceiling in Gen.Long[0, 3_000_000_000]
        select (persons, share, recent, hasCeiling ? ceiling : (long?)null);

    private static readonly Gen<MemberClaim[]> Members =
        Member.Array[1, 12].Select(a => a.Select((m, i) => new MemberClaim("c" + i, m.Persons, m.Share, m.RecentUse, m.Ceiling)).ToArray());

    private static readonly Gen<RegionalBudget> Budgets =
        from budget in Gen.Long[0, 20_000_000_000]
        from need in Gen.Long[0, 200_000]
        from rule in Gen.Enum<RegionalRule>()
        select new RegionalBudget(Resource.Water, PolicyPeriod.Day, budget, need, rule);

    [Fact]
    public void Allocations_NeverBelowFloor_NeverAboveCeiling_AndWithinTheBudgetUnlessFloorsAloneExceedIt()
    {
        Gen.Select(Budgets, Members).Sample((budget, members) =>
        {
            var t = RegionalAllocation.Compute(budget, members);
            var floors = members.Sum(m => m.Persons * budget.NeedPerPersonPerPeriod);
            Assert.Equal(members.Length, t.Communities.Count);
            foreach (var (m, a) in members.Zip(t.Communities))
            {
                Assert.Equal(m.Community, a.Community);
                Assert.Equal(m.Persons * budget.NeedPerPersonPerPeriod, a.Floor);
                Assert.True(a.Cap >= a.Floor, $"{a.Community} got {a.Cap}, under its floor {a.Floor}");
                Assert.True(a.ShareAmount >= 0);
                if (m.CeilingPerPeriod is { } c) Assert.True(a.Cap <= Math.Max(c, a.Floor), $"{a.Community} got {a.Cap} over its ceiling {c}");
            }
            if (floors <= budget.BudgetPerPeriod)
            {
                Assert.True(t.TotalCaps <= budget.BudgetPerPeriod, $"caps {t.TotalCaps} exceed the budget {budget.BudgetPerPeriod}");
                Assert.Equal(0, t.FloorShortfall);
                // Exact: every unit of the budget is given or reported unallocated.
                Assert.Equal(budget.BudgetPerPeriod, t.TotalCaps + t.Unallocated);
            }
            else
            {
                // Basic needs first: exactly the floors, the excess reported, nothing else shared.
                Assert.Equal(floors, t.TotalCaps);
                Assert.Equal(floors - budget.BudgetPerPeriod, t.FloorShortfall);
            }
        });
    }

    [Fact]
    public void Unallocated_OnlyWhenEveryTakerIsAtItsCeiling()
    {
        Gen.Select(Budgets, Members).Sample((budget, members) =>
        {
            var t = RegionalAllocation.Compute(budget, members);
            if (t.Unallocated == 0) return;
            var weighted = budget.Rule switch
            {
                RegionalRule.ByShares => members.Select(m => m.Share > 0),
                RegionalRule.ByRecentUse when members.Any(m => m.RecentUse > 0) => members.Select(m => m.RecentUse > 0),
                _ => members.Select(m => m.Persons > 0),
            };
            foreach (var (m, a, takes) in members.Zip(t.Communities, weighted))
                if (takes) Assert.True(m.CeilingPerPeriod is { } c && a.Cap >= c, $"{a.Community} could take more than {a.Cap}");
        });
    }

    [Fact]
    public void ByPopulation_EachShareIsWithinOneUnitOfItsExactProportion_WhenNoCeilingBinds()
    {
        Gen.Select(Budgets, Members).Sample((budget, members) =>
        {
            members = [.. members.Select(m => m with { CeilingPerPeriod = null })];
            var t = RegionalAllocation.Compute(budget with { Rule = RegionalRule.ByPopulation }, members);
            var persons = members.Sum(m => m.Persons);
            if (persons == 0 || t.FloorsExceedBudget) return;
            var rest = (Int128)(budget.BudgetPerPeriod - t.Communities.Sum(c => c.Floor));
            foreach (var a in t.Communities)
            {
                var exact = rest * a.Persons;
                Assert.True(Int128.Abs(exact - (Int128)a.ShareAmount * persons) < persons, $"{a.Community}: {a.ShareAmount} is not within one unit of {rest}x{a.Persons}/{persons}");
            }
        });
    }
}
