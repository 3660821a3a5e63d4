using Commons.Metering.Firmware.Host.Mqtt;

namespace Commons.Metering.Tests.Mqtt;

public sealed class MqttBrokerOptionsTests
{
    [Theory]
    [InlineData("127.0.0.1:1883", "127.0.0.1", 1883)]
    [InlineData("broker.local", "broker.local", 1883)]
    [InlineData("mqtt://gw:8883", "gw", 8883)]
    [InlineData("[::1]:18830", "::1", 18830)]
    [InlineData("::1", "::1", 1883)]
    public void Parse_ReadsHostAndPort(string text, string host, int port)
    {
        var o = MqttBrokerOptions.Parse(text);
        Assert.Equal((host, port), (o.Host, o.Port));
    }

    [Theory]
    [InlineData("host:0")]
    [InlineData("host:70000")]
    [InlineData("host:x")]
    [InlineData(":1883")]
    [InlineData("[::1")]
    public void Parse_RejectsBadEndpoints(string text)
    {
        Assert.Throws<FormatException>(() => MqttBrokerOptions.Parse(text));
    }

    [Fact]
    public void ToString_MasksThePassword()
    {
        var o = MqttBrokerOptions.Parse("gw:1883") with { Username = "w-0001", Password = "s3cret" };
        Assert.DoesNotContain("s3cret", o.ToString());
        Assert.Contains("w-0001", o.ToString());
    }
}

/// <summary>"host:port,host:port": the nodes of a broker cluster, tried in turn.</summary>
public sealed class MqttBrokerOptionsListTests
{
    [Fact]
    public void ParseList_FirstIsHostAndPort_TheRestAlsoAt()
    {
        var o = MqttBrokerOptions.ParseList("n1:1883, n2:1884,[::1]:1885");
        Assert.Equal(("n1", 1883), (o.Host, o.Port));
        Assert.Equal([("n1", 1883), ("n2", 1884), ("::1", 1885)], o.Endpoints);
        Assert.Equal("n1:1883,n2:1884,::1:1885", o.ToString());
    }

    [Fact]
    public void ParseList_OfOneEndpoint_IsParse() =>
        Assert.Equal([("broker.local", 1883)], MqttBrokerOptions.ParseList("broker.local").Endpoints);

    [Theory]
    [InlineData("n1:1883,")]
    [InlineData("n1:1883,n1:1883")]
    [InlineData("n1:1883,n2:0")]
    public void ParseList_RejectsBadLists(string text) =>
        Assert.Throws<FormatException>(() => MqttBrokerOptions.ParseList(text));
}
