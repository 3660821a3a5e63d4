using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Tests.Policy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>Where the runtime meets the gateway: DI registration and the ledger observer.</summary>
public sealed class CommonsWiringTests
{
    private static ServiceProvider Build(params (string Key, string Value)[] settings)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build();
        var services = new ServiceCollection();
        services.AddLogging();
        var store = new PolicyStore();
        if (config["Metering:Policy:File"] is { } file) Assert.True(store.TryLoad(file).Ok);
        services.AddSingleton(store);
        services.AddMeteringGateway(config);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void WithAPolicyFile_TheRuntimeIsTheLedgerObserverAndICommonsRuntime_WithoutOne_NeitherIsRegistered()
    {
        var dir = Directory.CreateTempSubdirectory("commons-wiring-").FullName;
        try
        {
            using (var none = Build(("Metering:Storage:DataDirectory", dir)))
            {
                Assert.Null(none.GetService<ICommonsRuntime>());
                Assert.DoesNotContain(none.GetServices<ILedgerObserver>(), o => o is CommitFeed);
            }
            using var sp = Build(("Metering:Storage:DataDirectory", dir), ("Metering:Policy:File", PolicyFiles.VillagePath));
            var runtime = Assert.IsType<CommonsRuntime>(sp.GetRequiredService<ICommonsRuntime>());
            Assert.Single(sp.GetServices<ILedgerObserver>(), o => o is CommitFeed);
            Assert.Equal(Path.Combine(dir, "commons.db"), runtime.StatePath);
            Assert.Equal(Path.Combine(dir, "audit.log"), runtime.AuditPath);
            Assert.Contains(sp.GetServices<Microsoft.Extensions.Hosting.IHostedService>(), s => ReferenceEquals(s, runtime));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void InvalidCommonsSetting_FailsTheStartLikeAnyInvalidSetting_NamingTheKey()
    {
        var dir = Directory.CreateTempSubdirectory("commons-wiring-").FullName;
        try
        {
            using var sp = Build(("Metering:Storage:DataDirectory", dir), ("Metering:Policy:File", PolicyFiles.VillagePath), ("Metering:Commons:MaxAttempts", "0"));
            var e = Assert.Throws<Microsoft.Extensions.Options.OptionsValidationException>(
                () => sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<global::Commons.Metering.Gateway.Options.GatewayOptions>>().Value);
            Assert.Contains("Metering:Commons:MaxAttempts must be at least 1 (is 0)", e.Failures);
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    [Fact]
    public void FullQueue_DropsAndCounts_NeverBlocksTheLedgerWriter()
    {
        var feed = new CommitFeed(new CommonsOptions { QueueCapacity = 2 });
        var write = new ReadingWrite(new MeterInfo("w-1", "c", Resource.Water), new Reading(1, 0, [], null), 0);
        for (var i = 0; i < 5; i++) feed.Committed(write, LedgerOutcome.Committed);
        feed.Committed(write, LedgerOutcome.Duplicate); // a duplicate changes nothing: not even counted
        Assert.Equal(3, feed.Dropped);
        Assert.True(feed.Reader.TryRead(out _));
        Assert.True(feed.Reader.TryRead(out _));
        Assert.False(feed.Reader.TryRead(out _));
    }
}
