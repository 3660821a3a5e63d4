using System.Text;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Mqtt;

/// <summary>A device with several brokers (the nodes of a cluster): each connection attempt takes the next.</summary>
[Trait("Category", "Integration")]
public sealed class MqttNetTransportFailoverTests
{
    private static readonly byte[] Offline = Encoding.UTF8.GetBytes("{\"v\":1,\"state\":\"offline\"}");

    [Fact]
    public void Connect_AfterAFailedAttemptOnADeadNode_TakesTheNextNode()
    {
        using var broker = Broker.Start();
        var dead = FreePort.Next(); // nothing listens there
        using var transport = new MqttNetTransport(new MqttBrokerOptions
        {
            Host = "127.0.0.1", Port = dead, AlsoAt = [("127.0.0.1", broker.Port)], ConnectTimeout = TimeSpan.FromSeconds(3),
        });
        Assert.False(transport.Connect("w-0001", "commons/v1/demo/w-0001/up/status", Offline));
        Assert.True(transport.Connect("w-0001", "commons/v1/demo/w-0001/up/status", Offline));
        Assert.True(transport.IsConnected);
    }

    [Fact]
    public void Connect_WrapsAroundTheList()
    {
        using var broker = Broker.Start();
        using var transport = new MqttNetTransport(new MqttBrokerOptions
        {
            Host = "127.0.0.1", Port = broker.Port, AlsoAt = [("127.0.0.1", FreePort.Next())], ConnectTimeout = TimeSpan.FromSeconds(3),
        });
        Assert.True(transport.Connect("w-0002", "commons/v1/demo/w-0002/up/status", Offline));
        transport.Disconnect();
        Assert.False(transport.Connect("w-0002", "commons/v1/demo/w-0002/up/status", Offline)); // the dead second node
        Assert.True(transport.Connect("w-0002", "commons/v1/demo/w-0002/up/status", Offline)); // back to the first
    }
}
