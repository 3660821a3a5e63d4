using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class AllowanceTests
{
    private static CommunityPolicy Village() => PolicyLoader.LoadFile(PolicyFiles.VillagePath).Policy!;

    [Fact]
    public void VillageWater_CeilingClampsEveryone_AndTheRestIsReportedUnallocated()
    {
        // Floors 4, 2, 6 persons x 50 L = 200, 100, 300 L; 900 L left, per person: 300, 150, 450 L;
        // the 400 L ceiling clamps h01 and h03, and h02 can take only up to 400 L, so 300 L stay unallocated.
        var t = AllowanceCalculator.Compute(Village(), Resource.Water);
        Assert.Equal([400_000L, 400_000L, 400_000L], t.Households.Select(h => h.Allowance));
        Assert.Equal([200_000L, 100_000L, 300_000L], t.Households.Select(h => h.FloorAmount));
        Assert.Equal(300_000, t.Unallocated);
        Assert.False(t.FloorsExceedCap);
    }

    [Fact]
    public void VillageEnergy_PerHousehold_SplitsTheRestEquallyAfterFloors()
    {
        // Floors 120, 60, 180 kWh (30 kWh/person); 540 kWh left, 180 kWh per household.
        var t = AllowanceCalculator.Compute(Village(), Resource.Energy);
        Assert.Equal([300_000L, 240_000L, 360_000L], t.Households.Select(h => h.Allowance));
        Assert.Equal(0, t.Unallocated);
    }

    [Fact]
    public void FloorsAboveCap_FloorsStillHold_AndTheShortfallIsReported()
    {
        var yaml = PolicyFiles.Village.Replace("cap: 1_500_000", "cap: 500_000");
        var t = AllowanceCalculator.Compute(PolicyLoader.Parse(yaml, "v.yaml").Policy!, Resource.Water);
        Assert.Equal([200_000L, 100_000L, 300_000L], t.Households.Select(h => h.Allowance));
        Assert.True(t.FloorsExceedCap);
        Assert.Equal(100_000, t.FloorShortfall);
    }

    [Fact]
    public void LargestRemainder_GivesLeftoverUnitsToLargestRemainders_TiesToTheEarlier()
    {
        Assert.Equal([4L, 3L, 3L], AllowanceCalculator.LargestRemainder(10, [1, 1, 1]));
        // 100 x 1/6 = 16.67, x 2/6 = 33.33, x 3/6 = 50: the one leftover unit goes to the first.
        Assert.Equal([17L, 33L, 50L], AllowanceCalculator.LargestRemainder(100, [1, 2, 3]));
    }

    [Fact]
    public void Status_UnderFloorUntilTheFloorIsUsed_RemainingNeverNegative()
    {
        var t = AllowanceCalculator.Compute(Village(), Resource.Water);
        var fresh = t.Status("h02", 0);
        Assert.Equal((true, 100_000L, 400_000L, 0L), (fresh.UnderFloor, fresh.FloorRemaining, fresh.Remaining, fresh.PercentUsed));
        var atFloor = t.Status("h02", 100_000);
        Assert.Equal((false, 0L, 300_000L, 25L), (atFloor.UnderFloor, atFloor.FloorRemaining, atFloor.Remaining, atFloor.PercentUsed));
        var over = t.Status("h02", 500_000);
        Assert.Equal((0L, true, 125L), (over.Remaining, over.Exhausted, over.PercentUsed));
        Assert.Throws<ArgumentOutOfRangeException>(() => t.Status("h02", -1));
    }

    [Fact]
    public void GeneratedPolicies_AllowancesAreExactAndRespectFloorsAndCeilings()
    {
        PolicyGen.Policy.Sample(p =>
        {
            var rp = p.Resource(Resource.Water);
            var t = AllowanceCalculator.Compute(p, Resource.Water);
            var floors = t.Households.Sum(h => h.FloorAmount);
            var total = t.Households.Sum(h => h.Allowance);
            // Exact: the cap (or the floors, when they exceed it) is accounted for to the unit.
            Assert.Equal(Math.Max(rp.CapPerPeriod, floors), total + t.Unallocated);
            Assert.Equal(Math.Max(0, floors - rp.CapPerPeriod), t.FloorShortfall);
            foreach (var h in t.Households)
            {
                Assert.Equal(p.Household(h.HouseholdId).Persons * rp.FloorPerPersonPerPeriod, h.FloorAmount);
                Assert.True(h.ShareAmount >= 0);
                if (rp.CeilingPerHouseholdPerPeriod is { } c) Assert.True(h.Allowance <= c);
            }
            if (t.Unallocated > 0) Assert.All(t.Households, h => Assert.Equal(rp.CeilingPerHouseholdPerPeriod, h.Allowance));
            // Fair: each unclamped share is within one unit of pool x w / W, so for two of them
            // share_a x w_b - share_b x w_a <= w_a + w_b.
            var open = t.Households.Where(h => rp.CeilingPerHouseholdPerPeriod is not { } c || h.Allowance < c).ToList();
            long W(HouseholdAllowance h) => rp.Sharing == SharingRule.PerPerson ? h.Persons : 1;
            foreach (var a in open)
                foreach (var b in open)
                    Assert.True(a.ShareAmount * W(b) - b.ShareAmount * W(a) <= W(a) + W(b), $"{a} vs {b}");
        }, iter: 400);
    }
}
