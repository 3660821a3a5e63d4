using Commons.Metering.Gateway.Cluster;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Cluster;

public sealed class LeasePlanTests
{
    [Theory]
    [InlineData(4, 1, 4)]
    [InlineData(4, 2, 2)]
    [InlineData(3, 2, 2)]
    [InlineData(2, 3, 1)]
    [InlineData(5, 3, 2)]
    [InlineData(3, 0, 3)] // before its own first heartbeat counts: itself
    [InlineData(0, 2, 0)]
    public void Share_IsTheCommunitiesOverTheLiveInstances_RoundedUp(int communities, int live, int expected) =>
        Assert.Equal(expected, LeasePlan.Share(communities, live));

    [Fact]
    public void Surplus_GivesBackTheLastOfItsCommunities_DownToTheShare()
    {
        string[] all = ["a", "b", "c", "d"];
        Assert.Equal(["d", "c"], LeasePlan.Surplus(all, ["a", "b", "c", "d"], 2));
        Assert.Equal(["c"], LeasePlan.Surplus(all, ["a", "c"], 1));
        Assert.Empty(LeasePlan.Surplus(all, ["a", "b"], 2));
    }

    [Fact]
    public void Candidates_AreTheUnheldOnes_FromAPlaceOfTheInstancesOwn()
    {
        string[] all = ["a", "b", "c", "d"];
        var one = LeasePlan.Candidates(all, ["b"], "gw-1");
        Assert.Equal(["a", "c", "d"], one.Order());
        // Stable across processes (no per-process string hash), and instances differ in where they start.
        Assert.Equal(one, LeasePlan.Candidates(all, ["b"], "gw-1"));
        var starts = Enumerable.Range(0, 20).Select(i => LeasePlan.Candidates(all, [], $"gw-{i}")[0]).Distinct().Count();
        Assert.True(starts > 1, "every instance starts at the same community");
    }

    [Fact]
    public void MustGiveUp_AtTheLocalDeadline_NotBefore()
    {
        var time = new FakeTimeProvider();
        var renewed = time.GetTimestamp();
        var after = TimeSpan.FromSeconds(7);
        time.Advance(TimeSpan.FromSeconds(7) - TimeSpan.FromMilliseconds(1));
        Assert.False(LeasePlan.MustGiveUp(time, renewed, after));
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(LeasePlan.MustGiveUp(time, renewed, after));
    }
}
