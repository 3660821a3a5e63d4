using System.Text;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>mqtt.servers: the nodes of a broker cluster a device tries in turn.</summary>
public sealed class DeviceSetupMqttServersTests
{
    private const string Deployable =
        "{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"water-node\",\"community\":\"c\",\"meter\":\"m\",\"wifi\":{\"ssid\":\"w\"}," +
        "\"pins\":[{\"role\":\"reed\",\"gpio\":35,\"mode\":\"in\"}]," +
        "\"channels\":[{\"name\":\"main\",\"kind\":\"pulse\",\"unit\":\"mL\",\"source\":\"edge\",\"pin\":\"reed\",\"units\":1000,\"pulses\":1,\"debounce_ms\":50}]";

    private static (string? Error, DeviceSetup Setup) Parse(string mqtt)
    {
        var setup = new DeviceSetup();
        var bytes = Encoding.ASCII.GetBytes(Deployable + ",\"mqtt\":" + mqtt + "}");
        return (new DeviceSetupParser().Parse(bytes, bytes.Length, setup), setup);
    }

    private static List<string> Brokers(DeviceSetup s) =>
        Enumerable.Range(0, s.BrokerCount).Select(i => $"{s.BrokerHost(i)}:{s.BrokerPort(i)}").ToList();

    [Fact]
    public void Servers_AreKeptInOrder_AndReplaceHostAndPort()
    {
        var (error, setup) = Parse("{\"host\":\"old\",\"port\":1883,\"servers\":\"10.0.0.1:1883, n2.local:1884,n3:1885\"}");
        Assert.Null(error);
        Assert.Null(setup.CheckDeployable());
        Assert.Equal(["10.0.0.1:1883", "n2.local:1884", "n3:1885"], Brokers(setup));
    }

    [Fact]
    public void WithoutServers_HostAndPortAreTheOneBroker()
    {
        var (error, setup) = Parse("{\"host\":\"192.168.50.2\",\"port\":1884}");
        Assert.Null(error);
        Assert.Equal(["192.168.50.2:1884"], Brokers(setup));
    }

    [Fact]
    public void NoBrokerAtAll_IsNotDeployable()
    {
        var (error, setup) = Parse("{\"user\":\"m\"}");
        Assert.Null(error);
        Assert.Equal("mqtt.host (or mqtt.servers) is missing", setup.CheckDeployable());
    }

    [Theory]
    [InlineData("n1:1883,", "mqtt.servers: '' is not host:port")]
    [InlineData("n1", "mqtt.servers: 'n1' is not host:port")]
    [InlineData(":1883", "mqtt.servers: ':1883' is not host:port")]
    [InlineData("n1:", "mqtt.servers: 'n1:' is not host:port")]
    [InlineData("::1:1883", "mqtt.servers: '::1:1883' is not host:port")]
    [InlineData("n1:0", "mqtt.servers: 'n1:0' needs a port in 1..65535")]
    [InlineData("n1:65536", "mqtt.servers: 'n1:65536' needs a port in 1..65535")]
    [InlineData("n1:9999999999", "mqtt.servers: 'n1:9999999999' needs a port in 1..65535")]
    [InlineData("n1:1a", "mqtt.servers: 'n1:1a' needs a port in 1..65535")]
    [InlineData("a:1,b:1,c:1,d:1,e:1", "mqtt.servers: more than 4 servers")]
    public void ABadList_IsRefusedNamingTheEntry(string servers, string message)
    {
        var (error, _) = Parse("{\"servers\":\"" + servers + "\"}");
        Assert.Equal(message, error);
    }
}
