using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Tests.Telemetry;

namespace Commons.Metering.Gateway.Tests.Fuzz;

/// <summary>One device flooding cannot starve the others. The per-meter token bucket of
/// the ingest pipeline (embedded broker) with the harness's fake clock.</summary>
public sealed class FloodTests
{
    private static GatewayOptions Limited(double perSecond, int burst) => new()
    {
        Registry = new RegistryOptions { AutoRegister = true },
        Broker = new BrokerOptions { Mode = BrokerMode.Embedded, RateLimitPerMeterPerSecond = perSecond, RateLimitBurst = burst },
    };

    [Fact]
    public async Task FloodingMeter_OverItsBurst_IsRefusedUncommittedAndCounted_WhileAnotherMeterCommits()
    {
        await using var g = new GatewayHarness(Limited(perSecond: 10, burst: 50));
        await g.StartAsync();
        var refused = 0;
        for (var seq = 1; seq <= 200; seq++)
        {
            try
            {
                Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("flood", seq, seq * 10)).Status);
            }
            catch (IngestRefusedException e)
            {
                Assert.Equal(RejectReason.RateLimited, e.Reason);
                refused++;
            }
            // The quiet meter (5 readings/s, under its limit) is never refused, however hard the other floods.
            if (seq % 20 == 0) Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("quiet", seq / 20, seq * 10)).Status);
            g.Time.Advance(TimeSpan.FromMilliseconds(10)); // the flood: 100 readings/s
        }
        // 2 s of fake time: the burst of 50 plus ~10/s came through, the rest was refused.
        Assert.InRange(200 - refused, 50, 50 + 21);
        Assert.Equal(refused, await g.Metrics.RejectedAsync("rate_limited"));
        Assert.Equal(200 - refused + 10, await g.Metrics.ReadingsIngestedAsync());
    }

    [Fact]
    public async Task RefusedReading_SentAgainAfterTheBucketRefills_IsCommitted_SoNothingIsLost()
    {
        await using var g = new GatewayHarness(Limited(perSecond: 1, burst: 2));
        await g.StartAsync();
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", 1, 100)).Status);
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", 2, 200)).Status);
        await Assert.ThrowsAsync<IngestRefusedException>(() => g.ReadingAsync("m1", 3, 300));
        g.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", 3, 300)).Status);
        Assert.Equal(200, g.UsageOf("m1", "main", GatewayHarness.Start.AddDays(-1), GatewayHarness.Start.AddDays(1)));
    }

    [Fact]
    public async Task ExternalBroker_HasNoGatewayRateLimit_SinceTheBrokerAlreadyAcknowledgedTheDevice()
    {
        var options = Limited(perSecond: 1, burst: 1);
        options.Broker.Mode = BrokerMode.External;
        await using var g = new GatewayHarness(options);
        await g.StartAsync();
        for (var seq = 1; seq <= 20; seq++) Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", seq, seq)).Status);
    }

    [Fact]
    public void Limiter_ForgetsIdleMeters_WhenTooManyAreTracked()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var limiter = new MeterRateLimiter(perSecond: 1000, burst: 1, time);
        for (var i = 0; i < MeterRateLimiter.MaxTracked; i++) Assert.True(limiter.TryAcquire($"m{i}"));
        time.Advance(TimeSpan.FromSeconds(1)); // every bucket full again
        Assert.True(limiter.TryAcquire("newcomer"));
        Assert.Equal(1, limiter.Tracked);
    }
}
