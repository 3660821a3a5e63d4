using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Tests.Telemetry;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>Usage from cumulative registers through the real pipeline and ledger, with a fake clock; SQLite here,
/// PostgreSQL in <see cref="UsageLedgerPostgresTests"/>.</summary>
public class UsageLedgerTests : IAsyncLifetime
{
    private readonly GatewayHarness _g;

    public UsageLedgerTests() : this(StorageProvider.Sqlite)
    {
    }

    protected UsageLedgerTests(StorageProvider provider)
    {
        _g = new GatewayHarness(GatewayHarness.On(provider));
    }
    private static readonly DateTimeOffset Day = GatewayHarness.Start.Date;

    public async Task InitializeAsync()
    {
        await _g.StartAsync();
        await _g.RegisterAsync("m1");
    }

    public async Task DisposeAsync() => await _g.DisposeAsync();

    private long Usage() => _g.UsageOf("m1", "main", Day, Day.AddDays(1));


    [Fact]
    public async Task FirstReading_IsTheBaseline_WithZeroUsage()
    {
        var r = await _g.ReadingAsync("m1", seq: 1, register: 1_000);
        Assert.Equal(IngestStatus.Committed, r.Status);
        Assert.Empty(r.Flags!);
        Assert.Equal(0, Usage());
        Assert.Equal(1, await _g.Metrics.ReadingsIngestedAsync());
    }

    [Fact]
    public async Task ConsecutiveReadings_UsageIsTheRegisterDifference()
    {
        await _g.ReadingAsync("m1", 1, 1_000);
        await _g.ReadingAsync("m1", 2, 1_250);
        await _g.ReadingAsync("m1", 3, 1_900);
        Assert.Equal(900, Usage());
    }

    [Fact]
    public async Task Duplicate_IsAcknowledgedCountedAndChangesNothing()
    {
        await _g.ReadingAsync("m1", 1, 1_000);
        await _g.ReadingAsync("m1", 2, 1_250);
        var again = await _g.ReadingAsync("m1", 2, 1_250);
        Assert.Equal(IngestStatus.Duplicate, again.Status);
        Assert.Equal(250, Usage());
        Assert.Equal(1, await _g.Metrics.RejectedAsync("duplicate"));
        Assert.Equal(2, await _g.Metrics.ReadingsIngestedAsync());
    }

    [Fact]
    public async Task RegisterDecrease_IsFlagged_NewBaseline_NeverNegative()
    {
        await _g.ReadingAsync("m1", 1, 5_000);
        var swapped = await _g.ReadingAsync("m1", 2, 40); // meter swap
        await _g.ReadingAsync("m1", 3, 100);
        Assert.Equal([ReadingFlag.RegisterDecrease], swapped.Flags);
        Assert.Equal(60, Usage());
        Assert.Equal(1, await _g.Metrics.FlaggedAsync("register_decrease"));
    }

    [Fact]
    public async Task SeqGap_IsFlaggedButUsageIsKept()
    {
        await _g.ReadingAsync("m1", 1, 1_000);
        var gap = await _g.ReadingAsync("m1", 7, 1_600); // a lost message loses resolution, not usage
        Assert.Equal([ReadingFlag.SeqGap], gap.Flags);
        Assert.Equal(600, Usage());
        Assert.Equal(1, await _g.Metrics.FlaggedAsync("seq_gap"));
    }

    [Fact]
    public async Task LateReading_IsStoredWithZeroUsage_AndDoesNotMoveTheBaseline()
    {
        await _g.ReadingAsync("m1", 1, 1_000);
        await _g.ReadingAsync("m1", 3, 1_300);
        var late = await _g.ReadingAsync("m1", 2, 1_100);
        await _g.ReadingAsync("m1", 4, 1_400);
        Assert.Equal(IngestStatus.Committed, late.Status);
        Assert.Equal([ReadingFlag.Late], late.Flags);
        Assert.Equal(400, Usage());
        Assert.Equal(1, await _g.Metrics.FlaggedAsync("late"));
        var again = await _g.ReadingAsync("m1", 2, 1_100);
        Assert.Equal(IngestStatus.Duplicate, again.Status); // the late reading was stored
        var channel = _g.Store.ListMeters().Single().Channels.Single();
        Assert.Equal((4, 1_400), (channel.LastSeq, channel.Register));
    }

    [Fact]
    public async Task EventsShareTheSequence_SoAReadingAfterAnEventIsNoGap()
    {
        await _g.ReadingAsync("m1", 1, 1_000);
        var ev = await _g.PublishAsync("commons/v1/c1/m1/up/event", $"{{\"v\":1,\"seq\":2,\"ts\":{_g.Time.GetUtcNow().ToUnixTimeMilliseconds()},\"kind\":\"leak\",\"ch\":\"main\"}}");
        var next = await _g.ReadingAsync("m1", 3, 1_100);
        Assert.Equal(IngestStatus.Committed, ev.Status);
        Assert.Empty(next.Flags!);
        var evAgain = await _g.PublishAsync("commons/v1/c1/m1/up/event", $"{{\"v\":1,\"seq\":2,\"ts\":{_g.Time.GetUtcNow().ToUnixTimeMilliseconds()},\"kind\":\"leak\"}}");
        Assert.Equal(IngestStatus.Duplicate, evAgain.Status);
    }

    [Fact]
    public async Task Usage_IsBookedInTheHourOfTheDeviceTime()
    {
        var t0 = new DateTimeOffset(2025, 11, 27, 9, 59, 0, TimeSpan.Zero);
        await _g.ReadingAsync("m1", 1, 0, t0.ToUnixTimeMilliseconds());
        await _g.ReadingAsync("m1", 2, 300, t0.AddMinutes(2).ToUnixTimeMilliseconds()); // 10:01 -> 10:00 bucket
        await _g.ReadingAsync("m1", 3, 500, t0.AddMinutes(62).ToUnixTimeMilliseconds()); // 11:01 -> 11:00 bucket
        var ten = new DateTimeOffset(2025, 11, 27, 10, 0, 0, TimeSpan.Zero);
        Assert.Equal(300, _g.UsageOf("m1", "main", ten, ten.AddHours(1)));
        Assert.Equal(200, _g.UsageOf("m1", "main", ten.AddHours(1), ten.AddHours(2)));
        Assert.Equal(500, _g.UsageOf("m1", "main", ten.AddMinutes(30), ten.AddHours(2))); // from rounds down to the hour
        Assert.Equal(0, _g.UsageOf("m1", "main", t0.AddHours(-5), ten)); // to is exclusive
    }

    [Fact]
    public async Task MultiChannelReading_EachChannelHasItsOwnBaseline()
    {
        await _g.RegisterAsync("e1", Resource.Energy);
        const string t = "commons/v1/c1/e1/up/reading";
        var ts = _g.Time.GetUtcNow().ToUnixTimeMilliseconds();
        await _g.PublishAsync(t, $"{{\"v\":1,\"seq\":1,\"ts\":{ts},\"ch\":[{{\"n\":\"a\",\"u\":\"Wh\",\"reg\":10}}]}}");
        await _g.PublishAsync(t, $"{{\"v\":1,\"seq\":2,\"ts\":{ts + 1},\"ch\":[{{\"n\":\"a\",\"u\":\"Wh\",\"reg\":15}},{{\"n\":\"b\",\"u\":\"Wh\",\"reg\":100}}]}}");
        await _g.PublishAsync(t, $"{{\"v\":1,\"seq\":3,\"ts\":{ts + 2},\"ch\":[{{\"n\":\"a\",\"u\":\"Wh\",\"reg\":16}},{{\"n\":\"b\",\"u\":\"Wh\",\"reg\":130}}]}}");
        Assert.Equal(6, _g.UsageOf("e1", "a", Day, Day.AddDays(1)));
        Assert.Equal(30, _g.UsageOf("e1", "b", Day, Day.AddDays(1)));
    }

    [Theory]
    [InlineData(25, RejectReason.ClockFuture)] // hours ahead: more than 1 day
    [InlineData(-401 * 24, RejectReason.ClockPast)] // more than 400 days behind
    public async Task DeviceTimeFarFromTheGatewayClock_IsRejected(int hoursFromNow, RejectReason expected)
    {
        var ts = _g.Time.GetUtcNow().AddHours(hoursFromNow).ToUnixTimeMilliseconds();
        var r = await _g.ReadingAsync("m1", 1, 10, ts);
        Assert.Equal((IngestStatus.Rejected, expected), (r.Status, r.Reason!.Value));
        Assert.Equal(1, await _g.Metrics.RejectedAsync(expected.Name()));
    }

    [Fact]
    public async Task DeviceTimeWithinTolerance_IsAccepted_AndMovingTheClockChangesTheVerdict()
    {
        var ts = _g.Time.GetUtcNow().AddHours(23).ToUnixTimeMilliseconds();
        Assert.Equal(IngestStatus.Committed, (await _g.ReadingAsync("m1", 1, 10, ts)).Status);
        var farther = _g.Time.GetUtcNow().AddHours(47).ToUnixTimeMilliseconds();
        Assert.Equal(RejectReason.ClockFuture, (await _g.ReadingAsync("m1", 2, 10, farther)).Reason);
        _g.Time.Advance(TimeSpan.FromHours(24));
        Assert.Equal(IngestStatus.Committed, (await _g.ReadingAsync("m1", 2, 10, farther)).Status);
    }

    [Fact]
    public async Task UnknownMeter_IsRejected_AndBadUnitForTheMetersResource()
    {
        Assert.Equal(RejectReason.UnknownMeter, (await _g.ReadingAsync("nobody", 1, 10)).Reason);
        Assert.Equal(RejectReason.UnknownMeter, (await _g.PublishAsync(GatewayHarness.ReadingTopic("m1", "c2"),
            $"{{\"v\":1,\"seq\":1,\"ts\":{_g.Time.GetUtcNow().ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":1}}]}}")).Reason);
        Assert.Equal(RejectReason.BadUnit, (await _g.ReadingAsync("m1", 1, 10, unit: "Wh")).Reason);
        Assert.Equal(RejectReason.BadTopic, (await _g.PublishAsync("commons/v1/c1/m1/up/nonsense", "{}")).Reason);
        Assert.Equal(0, await _g.Metrics.ReadingsIngestedAsync());
    }

    [Fact]
    public async Task RegionReportOnTheGatewaysSubscription_IsLeftToTheRegion_NotCountedAsARejectedUplink()
    {
        // On an external broker the gateway's commons/v1/+/+/up/# also brings members' reports to their region.
        using var sums = new Telemetry.RecordedSums(_g.Metrics);
        Assert.Equal(RejectReason.BadTopic, (await _g.PublishAsync("commons/v1/river-a/upper/up/report", "{}")).Reason);
        Assert.Equal(0, sums["metering_rejected_total", RejectReason.BadTopic.Name()]);
        // The same listener does see a rejection the pipeline counts, so the 0 above means something.
        Assert.Equal(RejectReason.BadTopic, (await _g.PublishAsync("commons/v1/c1/m1/up/nonsense", "{}")).Reason);
        Assert.Equal(1, sums["metering_rejected_total", RejectReason.BadTopic.Name()]);
        Assert.True(UplinkTopic.IsRegionReport("commons/v1/river-a/upper/up/report"));
        Assert.False(UplinkTopic.IsUplinkCandidate("commons/v1/river-a/upper/up/report"));
        Assert.True(UplinkTopic.IsUplinkCandidate("commons/v1/c1/m1/up/reading"));
    }

    [Fact]
    public async Task StatusAndAck_AreStored_AndStatusShowsInTheMeterList()
    {
        var s = await _g.PublishAsync("commons/v1/c1/m1/up/status", """{"v":1,"state":"online","fw":"1.0.0","boot":7,"outbox":3,"ts":1764245400000}""");
        var off = await _g.PublishAsync("commons/v1/c1/m1/up/status", """{"v":1,"state":"offline"}""");
        var ack = await _g.PublishAsync("commons/v1/c1/m1/up/ack", """{"v":1,"cid":"c-000042","ok":true,"ts":1764245401000}""");
        Assert.All(new[] { s, off, ack }, r => Assert.Equal(IngestStatus.Committed, r.Status));
        var status = _g.Store.ListMeters().Single().Status!;
        Assert.Equal(("offline", "1.0.0", 3L), (status.State, status.Firmware, status.Outbox!.Value)); // last will keeps what it does not say
    }
}

/// <summary>The same rules on the PostgreSQL ledger (a real server, a fresh database per test).</summary>
public sealed class UsageLedgerPostgresTests() : UsageLedgerTests(StorageProvider.Postgres);
