using Commons.Metering.Testing;
using System.Text.RegularExpressions;
using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Tests.Options;

/// <summary>The README's configuration table says what the code does (house style: keep defaults in
/// one place and test that the docs match).</summary>
public sealed partial class ReadmeDefaultsTests
{
    [Fact]
    public void ReadmeConfigurationTable_MatchesTheDefaults()
    {
        var readme = File.ReadAllText(RepoPaths.Of("gateway", "Metering.Gateway", "README.md"));
        var table = Row().Matches(readme).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var o = new GatewayOptions();
        var expected = new Dictionary<string, string>
        {
            ["Broker:Mode"] = o.Broker.Mode.ToString(),
            ["Broker:Host"] = o.Broker.Host,
            ["Broker:Port"] = o.Broker.Port.ToString(),
            ["Broker:ClientId"] = o.Broker.ClientId,
            ["Broker:ReconnectMinDelayMs"] = o.Broker.ReconnectMinDelayMs.ToString(),
            ["Broker:ReconnectMaxDelayMs"] = o.Broker.ReconnectMaxDelayMs.ToString(),
            ["Broker:RequireAuthentication"] = o.Broker.AuthenticationRequired.ToString().ToLowerInvariant(),
            ["Broker:AllowAnonymousOnNetwork"] = o.Broker.AllowAnonymousOnNetwork.ToString().ToLowerInvariant(),
            ["Broker:MaxPacketBytes"] = o.Broker.MaxPacketBytes.ToString(),
            ["Broker:RateLimitPerMeterPerSecond"] = o.Broker.RateLimitPerMeterPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Broker:RateLimitBurst"] = o.Broker.RateLimitBurst.ToString(),
            ["Broker:WatchdogIntervalMs"] = o.Broker.WatchdogIntervalMs.ToString(),
            ["Broker:WatchdogTimeoutMs"] = o.Broker.WatchdogTimeoutMs.ToString(),
            ["Http:Host"] = o.Http.Host,
            ["Http:Port"] = o.Http.Port.ToString(),
            ["Storage:Provider"] = o.Storage.Provider.ToString(),
            ["Storage:DataDirectory"] = o.Storage.DataDirectory,
            ["Storage:Synchronous"] = o.Storage.Synchronous.ToString(),
            ["Ledger:MaxBatchSize"] = o.Ledger.MaxBatchSize.ToString(),
            ["Ledger:QueueCapacity"] = o.Ledger.QueueCapacity.ToString(),
            ["Registry:AutoRegister"] = o.Registry.AutoRegister.ToString().ToLowerInvariant(),
            ["Influx:Kind"] = o.Influx.Kind,
            ["Demo:SimulatedMeters"] = o.Demo.SimulatedMeters.ToString(),
        };
        foreach (var (key, value) in expected)
        {
            Assert.True(table.TryGetValue(key, out var documented), $"README has no row for {key}");
            Assert.Equal(value, documented);
        }
    }

    [Fact]
    public void AppSettingsJson_CarriesTheSameDefaults()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "appsettings.json");
        Assert.True(File.Exists(path), $"{path} missing: the gateway's appsettings.json is not copied to the test output");
        var config = new ConfigurationBuilder().AddJsonFile(path).Build();
        var bound = Microsoft.Extensions.Configuration.ConfigurationBinder.Get<GatewayOptions>(config.GetSection("Metering"))!;
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(new GatewayOptions()), System.Text.Json.JsonSerializer.Serialize(bound));
    }

    [GeneratedRegex(@"^\| `([A-Za-z]+:[A-Za-z]+)` \| `([^`]*)` \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
