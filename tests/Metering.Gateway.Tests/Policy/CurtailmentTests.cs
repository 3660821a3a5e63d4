using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>Worked examples on the village policy (water: stage 3 curtails essential above the floor,
/// friendly hours 06-08 and 18-20 local, UTC+3).</summary>
public sealed class CurtailmentTests
{
    private static readonly CommunityPolicy Village = PolicyLoader.LoadFile(PolicyFiles.VillagePath).Policy!;
    private static readonly ResourcePolicy Water = Village.Resource(Resource.Water);
    private static readonly AllowanceTable Table = AllowanceCalculator.Compute(Village, Resource.Water);
    private static readonly DateTimeOffset Noon = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero); // 12:00 local

    private static ChannelDecision Decide(UseClass use, int stage, long used, DateTimeOffset? at = null, bool rotation = false, SafetyReason? trip = null) =>
        Curtailment.Decide(Water, Village.UtcOffset, new ChannelContext(use, stage, Table.Status("h02", used), at ?? Noon, rotation, trip));

    [Fact]
    public void Stage3_CutsEssentialAboveTheFloor_ButNotUnderIt()
    {
        Assert.Equal(CurtailReason.Stage, Decide(UseClass.Essential, 3, used: 150_000).Reason);
        var under = Decide(UseClass.Essential, 3, used: 99_999);
        Assert.Equal((DecisionKind.Allowed, true), (under.Kind, under.Protected));
    }

    [Fact]
    public void FriendlyHours_ProtectEssentialEvenAboveTheFloor_InLocalTime()
    {
        var sevenLocal = new DateTimeOffset(2026, 3, 1, 4, 0, 0, TimeSpan.Zero); // 07:00 at UTC+3
        Assert.Equal(DecisionKind.Allowed, Decide(UseClass.Essential, 3, 150_000, sevenLocal).Kind);
        Assert.Equal(CurtailReason.Stage, Decide(UseClass.Standard, 3, 150_000, sevenLocal).Reason); // only essentials
        var sevenUtc = new DateTimeOffset(2026, 3, 1, 7, 0, 0, TimeSpan.Zero); // 10:00 local: outside
        Assert.Equal(CurtailReason.Stage, Decide(UseClass.Essential, 3, 150_000, sevenUtc).Reason);
    }

    [Fact]
    public void SafetyTrip_CutsEvenAProtectedEssential_WithItsOwnReason()
    {
        var d = Decide(UseClass.Essential, 0, used: 0, trip: SafetyReason.Leak);
        Assert.Equal((DecisionKind.Tripped, CurtailReason.None, (SafetyReason?)SafetyReason.Leak), (d.Kind, d.Reason, d.Safety));
    }

    [Theory]
    [InlineData(0L, SanctionLevel.None)]
    [InlineData(319_999L, SanctionLevel.None)]     // 79.99 % of 400 L
    [InlineData(320_000L, SanctionLevel.Notice)]   // 80 %
    [InlineData(400_000L, SanctionLevel.Warning)]  // 100 %
    [InlineData(440_000L, SanctionLevel.Throttle)] // 110 %
    [InlineData(500_000L, SanctionLevel.Restriction)] // 125 %
    public void Sanctions_GraduateWithThePercentOfAllowanceUsed(long used, SanctionLevel level) =>
        Assert.Equal(level, Decide(UseClass.Standard, 0, used).Sanction);

    [Fact]
    public void SanctionsAndQuota_CurtailByTheirOwnClassLists()
    {
        Assert.Equal(CurtailReason.Quota, Decide(UseClass.Standard, 0, 400_000).Reason);      // quota_curtails: D, S
        Assert.Equal(CurtailReason.Throttle, Decide(UseClass.Discretionary, 0, 440_000).Reason); // throttle: D
        Assert.Equal(CurtailReason.Quota, Decide(UseClass.Standard, 0, 440_000).Reason);
        Assert.Equal(CurtailReason.Restriction, Decide(UseClass.Standard, 0, 500_000).Reason);  // restriction: D, S
        Assert.Equal(DecisionKind.Allowed, Decide(UseClass.Essential, 0, 500_000).Kind);        // not listed
        Assert.Equal(DecisionKind.Allowed, Decide(UseClass.Standard, 0, 399_999).Kind);
    }

    [Fact]
    public void Rotation_ShedsOnlyDiscretionary()
    {
        Assert.Equal(CurtailReason.Rotation, Decide(UseClass.Discretionary, 0, 0, rotation: true).Reason);
        Assert.Equal(DecisionKind.Allowed, Decide(UseClass.Standard, 0, 0, rotation: true).Kind);
    }
}
