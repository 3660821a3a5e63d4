using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Tests.Options;

public sealed class GatewayOptionsValidatorTests
{
    private static List<string> Errors(params (string Key, string Value)[] settings)
    {
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)))
            .Build();
        var options = config.GetSection(GatewayDefaults.Section).Get<GatewayOptions>() ?? new GatewayOptions();
        return GatewayOptionsValidator.Errors(options).ToList();
    }

    [Fact]
    public void Defaults_AreValid() => Assert.Empty(Errors());

    [Theory]
    [InlineData("Metering:Broker:Port", "0", "Metering:Broker:Port must be between 1 and 65535 (was '0'); set it in appsettings.json or as Metering__Broker__Port.")]
    [InlineData("Metering:Http:Port", "70000", "Metering:Http:Port must be between 1 and 65535 (was '70000'); set it in appsettings.json or as Metering__Http__Port.")]
    [InlineData("Metering:Broker:Host", "localhost", "Metering:Broker:Host must be an IP address to bind the embedded broker to (e.g. 127.0.0.1) (was 'localhost'); set it in appsettings.json or as Metering__Broker__Host.")]
    [InlineData("Metering:Ledger:MaxBatchSize", "0", "Metering:Ledger:MaxBatchSize must be between 1 and 10000 (was '0'); set it in appsettings.json or as Metering__Ledger__MaxBatchSize.")]
    [InlineData("Metering:Demo:SimulatedMeters", "-1", "Metering:Demo:SimulatedMeters must be between 0 and 10000 (was '-1'); set it in appsettings.json or as Metering__Demo__SimulatedMeters.")]
    public void InvalidSetting_GivesOneMessageNamingTheKeyAndTheEnvironmentVariable(string key, string value, string message) =>
        Assert.Equal([message], Errors((key, value)));

    [Fact]
    public void ExternalMode_AcceptsAHostName_ButNeedsAClientId()
    {
        Assert.Empty(Errors(("Metering:Broker:Mode", "External"), ("Metering:Broker:Host", "broker.local")));
        var errors = Errors(("Metering:Broker:Mode", "External"), ("Metering:Broker:ClientId", " "));
        Assert.Contains(errors, e => e.StartsWith("Metering:Broker:ClientId must not be empty", StringComparison.Ordinal));
    }

    [Fact]
    public void AValueOfTheWrongType_FailsBindingWithAMessageNamingTheKey()
    {
        var e = Assert.Throws<InvalidOperationException>(() => Errors(("Metering:Broker:Port", "abc")));
        Assert.Contains("Metering:Broker:Port", e.Message);
    }

    [Fact]
    public void EffectiveConfiguration_MasksSecrets_AndShowsDefaults()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Metering:Broker:Password"] = "hunter2",
            ["Metering:Influx:Token"] = "tok-123",
            ["Metering:Influx:Url"] = "http://127.0.0.1:8086",
        }).Build();
        var options = config.GetSection("Metering").Get<GatewayOptions>()!;
        var text = EffectiveConfiguration.Describe(options, config);
        Assert.DoesNotContain("hunter2", text);
        Assert.DoesNotContain("tok-123", text);
        Assert.Contains("Metering:Broker:Password = ***", text);
        Assert.Contains("Metering:Influx:Token = ***", text);
        Assert.Contains("Metering:Influx:Url = http://127.0.0.1:8086", text);
        Assert.Contains("Metering:Broker:Port = 1883", text);
        Assert.Contains("Metering:Storage:Synchronous = Full", text);
    }
}
