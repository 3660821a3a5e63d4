using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Region;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Tests.Region;

/// <summary>Bad federation settings stop the gateway with a message naming the key (exit code 2 through GatewayHost).</summary>
public sealed class RegionOptionsTests
{
    private static List<string> Errors(Dictionary<string, string?> settings, bool policy = true) =>
        RegionServices.ConfigurationErrors(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), policy).ToList();

    private static Dictionary<string, string?> ValidRegion() => new()
    {
        ["Metering:Region:Id"] = "river-a",
        ["Metering:Region:Communities:0:Id"] = "upper",
        ["Metering:Region:Communities:0:TokenSha256"] = new string('a', 64),
        ["Metering:Region:Resources:water:BudgetPerPeriod"] = "1000",
        ["Metering:Region:Resources:water:NeedPerPersonPerPeriod"] = "50",
    };

    [Fact]
    public void NothingConfigured_OrAValidRegion_HasNoErrors()
    {
        Assert.Empty(Errors([]));
        Assert.Empty(Errors(ValidRegion()));
    }

    [Theory]
    [InlineData("Metering:Region:Id", "River A", "Metering:Region:Id 'River A' must match")]
    [InlineData("Metering:Region:UtcOffset", "3", "Metering:Region:UtcOffset '3' must look like +03:00")]
    [InlineData("Metering:Region:Communities:0:TokenSha256", "secret", "Metering:Region:Communities:0:TokenSha256 must be the 64 hex digits")]
    [InlineData("Metering:Region:Resources:water:Rule", "by_need", "Metering:Region:Resources:water:Rule 'by_need' must be")]
    [InlineData("Metering:Region:Resources:water:Period", "fortnight", "Metering:Region:Resources:water:Period 'fortnight' must be")]
    [InlineData("Metering:Region:Resources:air:BudgetPerPeriod", "1", "Metering:Region:Resources:air is not a resource")]
    [InlineData("Metering:Region:Council:Members:0", "d1", "Metering:Region:Council:K must be between 1 and the 1 members (is 0)")]
    [InlineData("Metering:Region:Communities:0:Council:Members:0", "u1", "Metering:Region:Communities:0:Council:K must be between 1")]
    [InlineData("Metering:Region:CapValiditySeconds", "-1", "Metering:Region:CapValiditySeconds must be between 0 (use CapValidityHours) and 2678400")]
    [InlineData("Metering:Region:CapValiditySeconds", "2678401", "Metering:Region:CapValiditySeconds must be between 0 (use CapValidityHours) and 2678400")]
    [InlineData("Metering:Region:StageMaxHours", "0", "Metering:Region:StageMaxHours must be between 1 and 744")]
    public void BadRegionSettings_NameTheKey(string key, string value, string message)
    {
        var s = ValidRegion();
        s[key] = value;
        Assert.Contains(Errors(s), e => e.StartsWith(message, StringComparison.Ordinal));
    }

    [Fact]
    public void UpstreamWithoutTokenOrPolicy_OrWithABadUrl_NamesTheKey()
    {
        var errors = Errors(new() { ["Metering:Upstream:Url"] = "region.example" }, policy: false);
        Assert.Contains(errors, e => e.StartsWith("Metering:Upstream:Url 'region.example' must be an absolute", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Metering:Upstream:Token is required", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Metering:Upstream:Url needs a policy file", StringComparison.Ordinal));
        Assert.Empty(Errors(new() { ["Metering:Upstream:Url"] = "https://region.example/", ["Metering:Upstream:Token"] = "t" }));
    }

    [Fact]
    public void UpstreamOverMqtt_NeedsTheBrokersAddressAndTheRegionsId()
    {
        var mqtt = new Dictionary<string, string?> { ["Metering:Upstream:Transport"] = "mqtt", ["Metering:Upstream:Token"] = "t" };
        mqtt["Metering:Upstream:Url"] = "https://region.example/";
        var errors = Errors(mqtt);
        Assert.Contains(errors, e => e.StartsWith("Metering:Upstream:Url 'https://region.example/' must be the region's broker, mqtt://host:port", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Metering:Upstream:Region '' must be the region's id", StringComparison.Ordinal));
        mqtt["Metering:Upstream:Url"] = "mqtt://127.0.0.1:1884";
        mqtt["Metering:Upstream:Region"] = "river-a";
        Assert.Empty(Errors(mqtt));
        mqtt["Metering:Upstream:Transport"] = "amqp";
        Assert.Contains(Errors(mqtt), e => e.StartsWith("Metering:Upstream:Transport 'amqp' must be http or mqtt", StringComparison.Ordinal));
        var region = ValidRegion();
        region["Metering:Region:Mqtt:Host"] = "127.0.0.1";
        region["Metering:Region:Mqtt:Port"] = "0";
        Assert.Contains(Errors(region), e => e.StartsWith("Metering:Region:Mqtt:Port must be between 1 and 65535", StringComparison.Ordinal));
    }
}
