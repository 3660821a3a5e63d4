using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Tests.Options;

/// <summary>Broker:Servers: the listeners of a broker cluster, in the order the gateway tries them.</summary>
public sealed class BrokerServersTests
{
    private static GatewayOptions Bind(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build().GetSection(GatewayDefaults.Section).Get<GatewayOptions>() ?? new GatewayOptions();

    [Fact]
    public void Unset_TheGatewayUsesHostAndPortAlone()
    {
        var o = Bind(("Metering:Broker:Mode", "External"), ("Metering:Broker:Host", "broker.local"), ("Metering:Broker:Port", "1884"));
        Assert.Equal([new BrokerEndpoint("broker.local", 1884)], BrokerEndpoints.Of(o.Broker));
    }

    [Fact]
    public void AList_IsKeptInOrder_WithSpacesAroundEntriesIgnored()
    {
        var o = Bind(("Metering:Broker:Mode", "External"), ("Metering:Broker:Servers", "n1.local:1883, 10.0.0.2:1884 ,n3:1885"));
        Assert.Empty(GatewayOptionsValidator.Errors(o));
        Assert.Equal([new("n1.local", 1883), new("10.0.0.2", 1884), new("n3", 1885)], BrokerEndpoints.Of(o.Broker));
    }

    [Theory]
    [InlineData("n1:1883,", "entry '' is not host:port")]
    [InlineData("n1", "entry 'n1' is not host:port")]
    [InlineData("n1:0", "entry 'n1:0' needs a port between 1 and 65535")]
    [InlineData("n1:70000", "entry 'n1:70000' needs a port between 1 and 65535")]
    [InlineData("n1:+5", "entry 'n1:+5' needs a port between 1 and 65535")]
    [InlineData("n1:1883,n1:1883", "entry 'n1:1883' is listed twice")]
    [InlineData("::1:1883", "entry '::1:1883' has no valid host (an IPv6 address goes in Broker:Host)")]
    public void ABadList_IsRefusedAtStart_NamingTheEntry(string servers, string why)
    {
        var o = Bind(("Metering:Broker:Mode", "External"), ("Metering:Broker:Servers", servers));
        Assert.Equal([$"Metering:Broker:Servers must be a list 'host1:port1,host2:port2': {why} (was '{servers}'); set it in appsettings.json or as Metering__Broker__Servers."],
            GatewayOptionsValidator.Errors(o));
    }

    [Fact]
    public void MoreThanTheMaximum_IsRefused()
    {
        var servers = string.Join(',', Enumerable.Range(1, BrokerEndpoints.MaxServers + 1).Select(i => $"n{i}:1883"));
        var o = Bind(("Metering:Broker:Mode", "External"), ("Metering:Broker:Servers", servers));
        Assert.Contains(GatewayOptionsValidator.Errors(o), e => e.Contains($"lists {BrokerEndpoints.MaxServers + 1} servers, at most {BrokerEndpoints.MaxServers}", StringComparison.Ordinal));
    }

    [Fact]
    public void InEmbeddedMode_AListIsAConfigurationError()
    {
        var o = Bind(("Metering:Broker:Servers", "n1:1883,n2:1883"));
        Assert.Contains(GatewayOptionsValidator.Errors(o), e => e.StartsWith("Metering:Broker:Servers applies to External mode only", StringComparison.Ordinal));
    }
}
