using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>The first wiring step of the policy: the Metering:Policy:File option and the ledger usage
/// that feeds a household's allowance (Http/PolicyApi.cs).</summary>
public sealed class WiringTests
{
    private static GatewayOptions Bind(params (string Key, string Value)[] settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        return config.GetSection("Metering").Get<GatewayOptions>() ?? new GatewayOptions();
    }

    [Fact]
    public void PolicyFile_IsOptional_AndAnExistingFileIsValid()
    {
        Assert.False(new GatewayOptions().Policy.Configured);
        Assert.Empty(GatewayOptionsValidator.Errors(new GatewayOptions()));
        Assert.Empty(GatewayOptionsValidator.Errors(Bind(("Metering:Policy:File", PolicyFiles.VillagePath))));
    }

    [Fact]
    public void PolicyFile_ThatDoesNotExist_IsAConfigurationErrorNamingTheEnvironmentVariable()
    {
        var missing = Path.Combine(Path.GetTempPath(), "no-such-dir-" + Guid.NewGuid().ToString("N"), "policy.yaml");
        var error = Assert.Single(GatewayOptionsValidator.Errors(Bind(("Metering:Policy:File", missing))));
        Assert.StartsWith("Metering:Policy:File must name an existing file", error);
        Assert.Contains(missing, error);
        Assert.Contains("Metering__Policy__File", error);
    }

    [Fact]
    public void EffectiveConfiguration_ShowsThePolicyPath()
    {
        var options = Bind(("Metering:Policy:File", PolicyFiles.VillagePath));
        var text = EffectiveConfiguration.Describe(options, new ConfigurationBuilder().Build());
        Assert.Contains("Metering:Policy:File = " + Path.GetFullPath(PolicyFiles.VillagePath), text);
        Assert.Contains("Metering:Policy:File = (none)", EffectiveConfiguration.Describe(new GatewayOptions(), new ConfigurationBuilder().Build()));
    }

    [Fact]
    public async Task UsedInPeriod_SumsTheHouseholdsPolicyChannelsWithinThePeriodOnly()
    {
        var policy = PolicyLoader.Parse(PolicyFiles.Village, "village.yaml").Policy!;
        await using var h = new GatewayHarness();
        await h.StartAsync();
        await h.RegisterAsync("w-h01");
        await h.RegisterAsync("w-h02");
        // Harness clock 2025-11-27T12:10Z; riverside is +03:00, so the water day began at 2025-11-26T21:00Z.
        var now = h.Time.GetUtcNow();
        var dayStart = PolicyPeriods.StartOf(PolicyPeriod.Day, now, policy.UtcOffset);
        Assert.Equal(DateTimeOffset.Parse("2025-11-26T21:00:00Z"), dayStart);
        long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
        long seq = 0;
        async Task Read(string meter, string channel, DateTimeOffset at, long register) =>
            Assert.Equal(IngestStatus.Committed, (await h.ReadingAsync(meter, ++seq, register, Ms(at), channel)).Status);

        await Read("w-h01", "kitchen", dayStart.AddMinutes(-30), 1_000);  // baseline, yesterday
        await Read("w-h01", "kitchen", dayStart.AddMinutes(-10), 1_400);  // 400 used yesterday: not counted
        await Read("w-h01", "kitchen", dayStart.AddMinutes(30), 1_900);   // 500 today
        await Read("w-h01", "kitchen", now.AddMinutes(-5), 2_200);        // 300 today
        await Read("w-h01", "garden", now.AddMinutes(-9), 10);            // baseline
        await Read("w-h01", "garden", now.AddMinutes(-4), 80);            // 70 today
        await Read("w-h01", "tap", now.AddMinutes(-8), 0);                // a channel the policy does not list
        await Read("w-h01", "tap", now.AddMinutes(-3), 999);
        seq = 0;
        await Read("w-h02", "main", now.AddMinutes(-7), 0);               // another household's meter
        await Read("w-h02", "main", now.AddMinutes(-2), 5_000);

        var end = PolicyPeriods.EndOf(PolicyPeriod.Day, now, policy.UtcOffset);
        Assert.Equal(870, HouseholdUsage.UsedInPeriod(policy.Household("h01"), Resource.Water, h.Store, dayStart, end));
        Assert.Equal(5_000, HouseholdUsage.UsedInPeriod(policy.Household("h02"), Resource.Water, h.Store, dayStart, end));
        Assert.Equal(0, HouseholdUsage.UsedInPeriod(policy.Household("h01"), Resource.Energy, h.Store, dayStart, end));
        // Yesterday's period sees yesterday's 400 and none of today's.
        Assert.Equal(400, HouseholdUsage.UsedInPeriod(policy.Household("h01"), Resource.Water, h.Store, dayStart.AddDays(-1), dayStart));
    }
}
