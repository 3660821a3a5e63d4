using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Options;
using static Commons.Metering.Gateway.Tests.Ingest.Confirmations.ConfirmationTestSupport;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Tests.Telemetry;

namespace Commons.Metering.Gateway.Tests.Ingest.Confirmations;

/// <summary>docs/protocol.md, "Pacing": a confirming meter over its rate is committed and its
/// confirmation held back; only a flood (more than the burst over its rate) is refused. The real
/// pipeline and ledger with the fake clock.</summary>
public sealed class ConfirmationPacingTests
{
    private static GatewayOptions Limited(BrokerMode mode, double perSecond, int burst) => new()
    {
        Broker = new BrokerOptions { Mode = mode, RateLimitPerMeterPerSecond = perSecond, RateLimitBurst = burst },
    };

    private static async Task<GatewayHarness> ConfirmingMeterAsync(BrokerMode mode)
    {
        var g = new GatewayHarness(Limited(mode, perSecond: 10, burst: 5));
        await g.StartAsync();
        await g.RegisterAsync("m1");
        await g.PublishAsync(StatusTopic("m1"), ConfirmingStatus);
        g.Time.Advance(TimeSpan.FromSeconds(1)); // the status's token is back
        Assert.Single(g.Confirmations.TakeDue()); // the hello
        return g;
    }

    [Theory]
    [InlineData(BrokerMode.Embedded)]
    [InlineData(BrokerMode.External)]
    public async Task OverItsRate_ReadingsAreCommitted_AndTheirConfirmationWaitsUntilTheRateAllowsIt(BrokerMode mode)
    {
        await using var g = await ConfirmingMeterAsync(mode);
        // 10 at one instant: 5 from the burst, 5 on credit (0.1 s each at 10/s).
        for (var seq = 1; seq <= 10; seq++) Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", seq, seq * 10)).Status);
        Assert.Equal(10, g.Store.ListMeters().Single(m => m.Meter.Id == "m1").LastSeq);
        Assert.Equal(5, await g.Metrics.ValueAsync("metering_confirmations_paced_total"));
        Assert.Empty(g.Confirmations.TakeDue(out var release));
        Assert.Equal(g.Time.GetUtcNow().AddMilliseconds(500), release);
        g.Time.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Empty(g.Confirmations.TakeDue());
        g.Time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([1, 10], Seqs(Assert.Single(g.Confirmations.TakeDue()).Payload));
        Assert.Equal(0, await g.Metrics.RejectedAsync("rate_limited"));
    }

    [Fact]
    public async Task Flood_BeyondTheBurstOverItsRate_IsRefusedUncommittedUnconfirmedAndCounted_Embedded()
    {
        await using var g = await ConfirmingMeterAsync(BrokerMode.Embedded);
        for (var seq = 1; seq <= 10; seq++) await g.ReadingAsync("m1", seq, seq * 10);
        var refused = await Assert.ThrowsAsync<IngestRefusedException>(() => g.ReadingAsync("m1", 11, 110));
        Assert.Equal(RejectReason.RateLimited, refused.Reason);
        Assert.Equal(1, await g.Metrics.RejectedAsync("rate_limited"));
        Assert.Equal(10, g.Store.ListMeters().Single(m => m.Meter.Id == "m1").LastSeq);
        g.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([1, 10], Seqs(Assert.Single(g.Confirmations.TakeDue()).Payload)); // not 11
        // Once the debt is repaid the same reading is taken and confirmed: nothing lost.
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", 11, 110)).Status);
        Assert.Equal([11, 11], Seqs(Assert.Single(g.Confirmations.TakeDue()).Payload));
    }

    [Fact]
    public async Task Flood_OnAnExternalBroker_IsRejectedWithoutAnException_SoTheGatewaysOwnSessionIsNotHeld()
    {
        await using var g = await ConfirmingMeterAsync(BrokerMode.External);
        for (var seq = 1; seq <= 10; seq++) await g.ReadingAsync("m1", seq, seq * 10);
        var result = await g.ReadingAsync("m1", 11, 110);
        Assert.Equal((IngestStatus.Rejected, RejectReason.RateLimited), (result.Status, result.Reason));
        Assert.Equal(10, g.Store.ListMeters().Single(m => m.Meter.Id == "m1").LastSeq);
        g.Time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal([1, 10], Seqs(Assert.Single(g.Confirmations.TakeDue()).Payload));
    }

    [Fact]
    public async Task MeterThatDoesNotConfirm_OnAnExternalBroker_IsStillNotLimited()
    {
        await using var g = new GatewayHarness(Limited(BrokerMode.External, perSecond: 1, burst: 1));
        await g.StartAsync();
        await g.RegisterAsync("m1");
        for (var seq = 1; seq <= 20; seq++) Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", seq, seq)).Status);
    }

    [Fact]
    public void Limiter_OnCredit_GoesAtMostTheBurstIntoDebt_AndSaysWhenItIsRepaid()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider(GatewayHarness.Start);
        var limiter = new MeterRateLimiter(perSecond: 4, burst: 2, time);
        Assert.True(limiter.TryTakeOnCredit("m", out var wait));
        Assert.Equal(TimeSpan.Zero, wait);
        Assert.True(limiter.TryTakeOnCredit("m", out wait));
        Assert.Equal(TimeSpan.Zero, wait);
        Assert.True(limiter.TryTakeOnCredit("m", out wait));
        Assert.Equal(TimeSpan.FromMilliseconds(250), wait);
        Assert.True(limiter.TryTakeOnCredit("m", out wait));
        Assert.Equal(TimeSpan.FromMilliseconds(500), wait);
        Assert.False(limiter.TryTakeOnCredit("m", out _));
        time.Advance(TimeSpan.FromMilliseconds(250));
        Assert.True(limiter.TryTakeOnCredit("m", out wait));
        Assert.Equal(TimeSpan.FromMilliseconds(500), wait);
        // A bucket in debt is no idle bucket: the plain limiter finds it empty too.
        Assert.False(limiter.TryAcquire("m"));
    }
}
