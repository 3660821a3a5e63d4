using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>The watchdog's heartbeat topic is one safe topic level for every broker the gateway may
/// use: nats-server before 2.10 drops a client that publishes to a topic holding '.' or ' '.</summary>
public sealed class HeartbeatTopicTests
{
    [Fact]
    public void APlainClientId_IsKeptAsItIs() =>
        Assert.Equal("commons/v1/_gateway/metering-gateway_2/up/heartbeat", SubscriptionWatchdog.HeartbeatTopic("metering-gateway_2"));

    [Theory]
    [InlineData("gw.site 1")]
    [InlineData("gw/+/#")]
    [InlineData("gw\u00e9")]
    [InlineData("gw\t1")]
    public void OtherCharacters_BecomeUnderscores_AndAHashKeepsIdsApart(string clientId)
    {
        var level = SubscriptionWatchdog.HeartbeatTopic(clientId).Split('/')[3];
        Assert.Matches("^[A-Za-z0-9_-]+-[0-9a-f]{8}$", level);
    }

    [Fact]
    public void IdsThatDifferOnlyInReplacedCharacters_GetDifferentTopics() =>
        Assert.NotEqual(SubscriptionWatchdog.HeartbeatTopic("gw.1"), SubscriptionWatchdog.HeartbeatTopic("gw 1"));
}
