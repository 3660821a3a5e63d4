using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Sinks;
using Commons.Metering.Gateway.Tests.Telemetry;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>Gauges through the real pipeline and ledger (SQLite; PostgreSQL in the subclass) (docs/protocol.md, gauge): their own
/// table, no usage, no register_decrease, duplicates acknowledged and unchanged, impossible values
/// flagged, the meter's seq shared with readings.</summary>
public class GaugeLedgerTests : IAsyncLifetime
{
    private readonly GatewayHarness _g;

    public GaugeLedgerTests() : this(StorageProvider.Sqlite)
    {
    }

    protected GaugeLedgerTests(StorageProvider provider)
    {
        _g = new GatewayHarness(GatewayHarness.On(provider));
    }
    private static readonly DateTimeOffset Day = GatewayHarness.Start.Date;
    private long Ts => GatewayHarness.Start.ToUnixTimeMilliseconds();

    public async Task InitializeAsync()
    {
        await _g.StartAsync();
        await _g.RegisterAsync("tank");
    }

    public async Task DisposeAsync() => await _g.DisposeAsync();

    private static string Topic => "commons/v1/c1/tank/up/gauge";

    private Task<IngestResult> Level(long seq, long mm, long? tsMs = null, string sensor = "a02yyuw") =>
        _g.PublishAsync(Topic, $$"""{"v":1,"seq":{{seq}},"ts":{{tsMs ?? Ts + seq * 60_000}},"g":[{"n":"reservoir","q":"level_mm","s":"{{sensor}}","last":{{mm}},"min":{{mm}},"max":{{mm}},"mean":{{mm}},"samples":1}]}""");

    private IGaugeReader Reader => (IGaugeReader)_g.Store;

    [Fact]
    public async Task A_falling_level_is_stored_as_gauges_with_no_usage_and_no_register_decrease()
    {
        foreach (var (seq, mm) in new[] { (1L, 1800L), (2, 1500), (3, 900), (4, 1200) })
        {
            var r = await Level(seq, mm);
            Assert.Equal(IngestStatus.Committed, r.Status);
            Assert.Empty(r.Flags!);
        }

        var series = Reader.GaugeSeries("tank", "reservoir", 0, long.MaxValue, 100);
        Assert.Equal(new long[] { 1800, 1500, 900, 1200 }, series.Select(s => s.Last));
        Assert.All(series, s => Assert.Equal(("level_mm", "a02yyuw", (string?)null), (s.Quantity, s.Sensor, s.Flag)));
        Assert.Equal(1200, Assert.Single(Reader.LatestGauges("tank")).Last);
        Assert.Equal(0, await _g.Metrics.FlaggedAsync("register_decrease"));
        Assert.Equal(0, _g.UsageOf("tank", "reservoir", Day, Day.AddDays(2)));
        Assert.Equal(0, await _g.Metrics.ReadingsIngestedAsync());
    }

    [Fact]
    public async Task A_redelivered_gauge_is_a_duplicate_and_changes_nothing()
    {
        await Level(1, 1800);
        var again = await Level(1, 1700);
        Assert.Equal(IngestStatus.Duplicate, again.Status);
        Assert.Equal(1800, Assert.Single(Reader.GaugeSeries("tank", "reservoir", 0, long.MaxValue, 100)).Last);
    }

    [Fact]
    public async Task An_impossible_level_is_stored_flagged_and_counted()
    {
        var beyondSensor = await Level(1, 4800);              // A02YYUW reads at most 4500 mm
        var negative = await Level(2, -5, sensor: "sim");     // no level is below the floor
        var fine = await Level(3, 4800, sensor: "sim");       // a simulated deep tank is possible

        Assert.Equal([ReadingFlag.GaugeImpossible], beyondSensor.Flags);
        Assert.Equal([ReadingFlag.GaugeImpossible], negative.Flags);
        Assert.Empty(fine.Flags!);
        var series = Reader.GaugeSeries("tank", "reservoir", 0, long.MaxValue, 100);
        Assert.Equal(new[] { false, false, true }, series.Select(s => s.Plausible));
        Assert.Equal("gauge_impossible", series[0].Flag);
        Assert.Equal(2, await _g.Metrics.FlaggedAsync("gauge_impossible"));
    }

    [Fact]
    public async Task Gauges_and_readings_share_the_meters_sequence()
    {
        await _g.ReadingAsync("tank", 1, 1_000);
        var gauge = await Level(2, 1800);
        var next = await _g.ReadingAsync("tank", 3, 1_100);
        Assert.Empty(gauge.Flags!);
        Assert.Empty(next.Flags!); // no seq_gap: seq 2 was the gauge

        await _g.RestartAsync();    // the state is derived from the rows again, gauges included
        var after = await Level(4, 1790);
        Assert.Empty(after.Flags!);
    }

    [Fact]
    public async Task A_gauge_of_an_unknown_meter_or_a_bad_payload_is_rejected()
    {
        var unknown = await _g.PublishAsync("commons/v1/c1/nobody/up/gauge",
            """{"v":1,"seq":1,"ts":1764246000000,"g":[{"n":"reservoir","q":"level_mm","s":"a02yyuw","last":1,"min":1,"max":1,"mean":1,"samples":1}]}""");
        var bad = await _g.PublishAsync(Topic, """{"v":1,"seq":1,"ts":1764246000000,"g":[]}""");
        Assert.Equal(RejectReason.UnknownMeter, unknown.Reason);
        Assert.Equal(RejectReason.Malformed, bad.Reason);
    }

    [Fact]
    public void The_influx_line_is_its_own_measurement_with_integer_fields_and_the_flag()
    {
        var meter = new MeterInfo("tank", "c1", Resource.Water);
        var uplink = new GaugeUplink(7, 1_764_245_400_000, [new GaugeValue("reservoir", "level_mm", "a02yyuw", 1840, 1832, 1851, 1841, 12)]);
        Assert.Equal(
            "gauge,community=c1,gauge=reservoir,meter=tank,quantity=level_mm,sensor=a02yyuw last=1840i,max=1851i,mean=1841i,min=1832i,samples=12i,seq=7i 1764245400000",
            GaugeLine.For(meter, uplink, uplink.Gauges[0], null));
        Assert.Contains("flag=\"gauge_impossible\"", GaugeLine.For(meter, uplink, uplink.Gauges[0], "gauge_impossible"));
    }
}

/// <summary>The same rules on the PostgreSQL ledger (a real server, a fresh database per test).</summary>
public sealed class GaugeLedgerPostgresTests() : GaugeLedgerTests(StorageProvider.Postgres);
