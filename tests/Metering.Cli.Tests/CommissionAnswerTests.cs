using System.Text;

namespace Commons.Metering.Cli.Tests;

/// <summary>`commission check --as-device` answers the gateway's ping as the device would, and nothing else.</summary>
public sealed class CommissionAnswerTests
{
    [Theory]
    [InlineData("""{"v":1,"cid":"ping-0a1b2c3d4e5f","exp":1764249000000,"op":"ping"}""", "ping-0a1b2c3d4e5f")]
    [InlineData("""{"v":1,"cid":"c-000042","exp":1764249000000,"op":"valve","ch":"main","state":"closed"}""", null)] // never ack a real command
    [InlineData("""{"v":1,"cid":"bad\"cid","exp":1764249000000,"op":"ping"}""", null)] // not echoed into the ack unescaped
    [InlineData("""{"v":1,"exp":1764249000000,"op":"ping"}""", null)]
    [InlineData("not json", null)]
    public void PingCid_OnlyAPingWithAValidCid(string payload, string? expected) =>
        Assert.Equal(expected, CommissionCheck.PingCid(Encoding.UTF8.GetBytes(payload)));
}
