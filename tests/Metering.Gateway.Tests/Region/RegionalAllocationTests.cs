using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Region;

namespace Commons.Metering.Gateway.Tests.Region;

public sealed class RegionalAllocationTests
{
    // 50 L per person per day: the WHO's basic access (docs/design.md rule 1).
    private const long NeedMl = 50_000;

    private static RegionalBudget Water(long budgetMl, RegionalRule rule) =>
        new(Resource.Water, PolicyPeriod.Day, budgetMl, NeedMl, rule);

    [Fact]
    public void ByPopulation_FloorsFirst_ThenTheRestByPersons()
    {
        // Floors 100 x 50 L = 5,000 L and 300 x 50 L = 15,000 L; 20,000 L left, split 1:3.
        var t = RegionalAllocation.Compute(Water(40_000_000, RegionalRule.ByPopulation),
            [new("upper", 100, 0, 0, null), new("lower", 300, 0, 0, null)]);
        Assert.Equal([5_000_000L, 15_000_000L], t.Communities.Select(c => c.Floor));
        Assert.Equal([10_000_000L, 30_000_000L], t.Communities.Select(c => c.Cap));
        Assert.Equal((0L, 0L), (t.FloorShortfall, t.Unallocated));
    }

    [Fact]
    public void ByShares_AgreedSharesDecideTheRest_NotPopulation()
    {
        // 20,000 L after floors; shares 3:1 though the populations are 1:3.
        var t = RegionalAllocation.Compute(Water(40_000_000, RegionalRule.ByShares),
            [new("upper", 100, 3, 0, null), new("lower", 300, 1, 0, null)]);
        Assert.Equal([20_000_000L, 20_000_000L], t.Communities.Select(c => c.Cap));
    }

    [Fact]
    public void ByRecentUse_LastPeriodsUseDecides_AndWithNoUseYetPopulationDoes()
    {
        var used = RegionalAllocation.Compute(Water(40_000_000, RegionalRule.ByRecentUse),
            [new("upper", 100, 0, 1_000, null), new("lower", 300, 0, 3_000, null)]);
        Assert.Equal([10_000_000L, 30_000_000L], used.Communities.Select(c => c.Cap));
        var fresh = RegionalAllocation.Compute(Water(40_000_000, RegionalRule.ByRecentUse),
            [new("upper", 100, 0, 0, null), new("lower", 300, 0, 0, null)]);
        Assert.Equal([10_000_000L, 30_000_000L], fresh.Communities.Select(c => c.Cap));
    }

    [Fact]
    public void Ceiling_ClampsOne_TheOthersTakeTheRest_WhatNoOneCanTakeIsUnallocated()
    {
        var t = RegionalAllocation.Compute(Water(40_000_000, RegionalRule.ByPopulation),
            [new("upper", 100, 0, 0, 6_000_000), new("lower", 300, 0, 0, null)]);
        Assert.Equal([6_000_000L, 34_000_000L], t.Communities.Select(c => c.Cap));
        Assert.Equal(0, t.Unallocated);
        var both = RegionalAllocation.Compute(Water(40_000_000, RegionalRule.ByPopulation),
            [new("upper", 100, 0, 0, 6_000_000), new("lower", 300, 0, 0, 20_000_000)]);
        Assert.Equal([6_000_000L, 20_000_000L], both.Communities.Select(c => c.Cap));
        Assert.Equal(14_000_000, both.Unallocated);
    }

    [Fact]
    public void FloorsAboveBudget_EveryFloorStillHolds_AndTheShortfallIsReported()
    {
        // A drought: the river gives 15,000 L, the floors need 20,000 L. Basic needs first.
        var t = RegionalAllocation.Compute(Water(15_000_000, RegionalRule.ByPopulation),
            [new("upper", 100, 0, 0, null), new("lower", 300, 0, 0, null)]);
        Assert.Equal([5_000_000L, 15_000_000L], t.Communities.Select(c => c.Cap));
        Assert.True(t.FloorsExceedBudget);
        Assert.Equal(5_000_000, t.FloorShortfall);
    }

    [Fact]
    public void CeilingBelowFloor_TheFloorWins()
    {
        var t = RegionalAllocation.Compute(Water(40_000_000, RegionalRule.ByPopulation),
            [new("upper", 100, 0, 0, 1_000), new("lower", 300, 0, 0, null)]);
        Assert.Equal(5_000_000, t.For("upper")!.Cap);
    }

    [Fact]
    public void ZeroShare_TakesNothingBeyondItsFloor_EvenWhenEveryoneElseIsClamped()
    {
        var t = RegionalAllocation.Compute(Water(40_000_000, RegionalRule.ByShares),
            [new("upper", 100, 1, 0, 6_000_000), new("lower", 300, 0, 0, null)]);
        Assert.Equal([6_000_000L, 15_000_000L], t.Communities.Select(c => c.Cap));
        Assert.Equal(19_000_000, t.Unallocated);
    }

    [Fact]
    public void BadInput_IsRefusedWithTheReason()
    {
        var twice = Assert.Throws<ArgumentException>(() => RegionalAllocation.Compute(Water(1, RegionalRule.ByPopulation),
            [new("a", 1, 0, 0, null), new("a", 2, 0, 0, null)]));
        Assert.Contains("listed twice", twice.Message, StringComparison.Ordinal);
        var negative = Assert.Throws<ArgumentException>(() => RegionalAllocation.Compute(Water(1, RegionalRule.ByPopulation),
            [new("a", -1, 0, 0, null)]));
        Assert.Contains("'a'", negative.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => RegionalAllocation.Compute(Water(-1, RegionalRule.ByPopulation), []));
    }
}
