using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Tests.Options;

/// <summary>The broker's safe defaults as options: authentication on for the embedded broker unless
/// set, a refusal (not a warning) to run open on a network address, the simulated fleet only without
/// authentication, and the packet limit's bounds.</summary>
public sealed class BrokerSafeDefaultsOptionsTests
{
    private static GatewayOptions Bind(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build()
            .GetSection(GatewayDefaults.Section).Get<GatewayOptions>() ?? new GatewayOptions();

    private static List<string> Errors(params (string Key, string Value)[] settings) => GatewayOptionsValidator.Errors(Bind(settings)).ToList();

    [Fact]
    public void EmbeddedBroker_RequiresAuthentication_UnlessSetOtherwise()
    {
        Assert.True(Bind().Broker.AuthenticationRequired);
        Assert.False(Bind(("Metering:Broker:RequireAuthentication", "false")).Broker.AuthenticationRequired);
        Assert.False(Bind(("Metering:Broker:Mode", "External")).Broker.AuthenticationRequired);
        Assert.Empty(Errors(("Metering:Broker:Mode", "External")));
    }

    [Theory]
    [InlineData("0.0.0.0")]
    [InlineData("::")]
    [InlineData("192.168.1.10")]
    public void NetworkAddressWithoutAuthentication_IsRefused_NamingTheIKnowSetting(string host)
    {
        var error = Assert.Single(Errors(("Metering:Broker:Host", host), ("Metering:Broker:RequireAuthentication", "false")));
        Assert.StartsWith("Metering:Broker:Host is not a loopback address while Broker:RequireAuthentication is false", error);
        Assert.Contains("Metering__Broker__AllowAnonymousOnNetwork", error);
        Assert.Empty(Errors(("Metering:Broker:Host", host), ("Metering:Broker:RequireAuthentication", "false"), ("Metering:Broker:AllowAnonymousOnNetwork", "true")));
        Assert.Empty(Errors(("Metering:Broker:Host", host)));
    }

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.0.0.2")]
    [InlineData("::1")]
    public void LoopbackWithoutAuthentication_IsAllowed(string host) =>
        Assert.Empty(Errors(("Metering:Broker:Host", host), ("Metering:Broker:RequireAuthentication", "false")));

    [Fact]
    public void SimulatedFleet_NeedsAuthenticationOff()
    {
        var error = Assert.Single(Errors(("Metering:Demo:SimulatedMeters", "3")));
        Assert.StartsWith("Metering:Demo:SimulatedMeters needs Broker:RequireAuthentication=false", error);
        Assert.Empty(Errors(("Metering:Demo:SimulatedMeters", "3"), ("Metering:Broker:RequireAuthentication", "false")));
    }

    [Theory]
    [InlineData("2047")]
    [InlineData("16777217")]
    public void MaxPacketBytes_OutsideItsBounds_IsRefused(string value) =>
        Assert.StartsWith("Metering:Broker:MaxPacketBytes must be between 2048 and 16777216", Assert.Single(Errors(("Metering:Broker:MaxPacketBytes", value))));
}
