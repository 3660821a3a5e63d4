using Commons.Metering.Gateway.BrokerAccounts;

namespace Commons.Metering.Cli.Tests.Registry;

public sealed class TopicAclTests
{
    private static readonly BrokerAccount Device = new() { User = "w-1", Role = BrokerRole.Device, Community = "demo", PasswordHash = "x" };
    private static readonly BrokerAccount Gateway = new() { User = "gw", Role = BrokerRole.Gateway, PasswordHash = "x" };

    [Theory]
    [InlineData("commons/v1/demo/w-1/up/reading", true)]
    [InlineData("commons/v1/demo/w-1/up/status", true)]
    [InlineData("commons/v1/demo/w-2/up/reading", false)]
    [InlineData("commons/v1/other/w-1/up/reading", false)]
    [InlineData("commons/v1/demo/w-1/down/cmd", false)]
    [InlineData("commons/v1/demo/w-1", false)]
    public void Device_PublishesOnlyUnderItsOwnUplinks(string topic, bool allowed) =>
        Assert.Equal(allowed, TopicAcl.AnyCovers(Device.PublishFilters, topic));

    [Theory]
    [InlineData("commons/v1/demo/w-1/down/cmd", true)]
    [InlineData("commons/v1/demo/w-1/down/#", true)]
    [InlineData("commons/v1/demo/w-1/down/+", true)]
    [InlineData("commons/v1/demo/+/down/cmd", false)]
    [InlineData("commons/v1/demo/w-2/down/cmd", false)]
    [InlineData("commons/#", false)]
    [InlineData("#", false)]
    [InlineData("commons/v1/demo/w-1/up/#", false)]
    public void Device_ReadsOnlyItsOwnDownlinks(string filter, bool allowed) =>
        Assert.Equal(allowed, TopicAcl.AnyCovers(Device.ReadFilters, filter));

    [Theory]
    [InlineData("commons/v1/+/+/up/#", true)]
    [InlineData("commons/v1/demo/w-1/up/reading", true)]
    [InlineData("commons/v1/+/+/down/#", false)]
    [InlineData("commons/#", false)]
    public void Gateway_ReadsEveryUplinkButNoDownlink(string filter, bool allowed) =>
        Assert.Equal(allowed, TopicAcl.AnyCovers(Gateway.ReadFilters, filter));

    [Theory]
    [InlineData("a/#", "a", true)]
    [InlineData("a/+", "a", false)]
    [InlineData("a/+/c", "a/b/c", true)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("a/b/c", "a/b", false)]
    public void Covers_FollowsMqttWildcardRules(string pattern, string filter, bool covers) =>
        Assert.Equal(covers, TopicAcl.Covers(pattern, filter));

    [Theory]
    [InlineData("a/#", "a", true)]
    [InlineData("a", "a/#", true)]
    [InlineData("a/+", "a", false)]
    [InlineData("a/+/c", "+/b/+", true)]
    [InlineData("a/+/c", "a/b/d", false)]
    [InlineData("#", "x/y", true)]
    [InlineData("a/b", "a/b/c", false)]
    [InlineData("a/b/#", "a/+", true)]
    public void Overlap_IsTrueWhenSomeTopicMatchesBoth(string a, string b, bool overlap)
    {
        Assert.Equal(overlap, TopicAcl.Overlap(a, b));
        Assert.Equal(overlap, TopicAcl.Overlap(b, a));
    }
}
