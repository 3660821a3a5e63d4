using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Region;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Region;

/// <summary>Regional stages raised by a gauge a member reports (the river's level, mm at the gauge),
/// through the region's real service, ledger and audit log, with a fake clock.</summary>
public sealed class RegionalStageTriggersTests : IDisposable
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("region-trigger-tests-").FullName;
    private readonly FakeTimeProvider _time = new(Monday.AddHours(6));
    private readonly RegionLedger _ledger;
    private readonly RegionService _region;
    private long _seq;

    public RegionalStageTriggersTests()
    {
        var options = RegionServiceTests.Options();
        options.StageMaxHours = 24;
        options.Council = new RegionalCouncilOptions { K = 1, Members = ["d1"] };
        // Stage 2 below 1,200 mm (back above 1,300 to clear), stage 3 below 900 mm (back above 1,000).
        options.Resources["water"].Triggers =
        [
            new RegionalTriggerOptions { Gauge = "river-level", Below = 1_200, Stage = 2, Hysteresis = 100 },
            new RegionalTriggerOptions { Gauge = "river-level", Below = 900, Stage = 3, Hysteresis = 100 },
        ];
        _ledger = new RegionLedger(Path.Combine(_dir, "region.db"));
        _region = new RegionService(options, _ledger, new AuditLog(Path.Combine(_dir, "region-audit.log"), _time), _time);
    }

    /// <summary>upper reports the level measured now (or at <paramref name="measuredAt"/>); the answer's regional stage.</summary>
    private (int Stage, long UntilMs) Level(long mm, DateTimeOffset? measuredAt = null)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var report = new RegionReport("upper", ++_seq, now, 0,
            [new ResourceUse(Resource.Water, PolicyPeriod.Day, PolicyPeriods.StartOf(PolicyPeriod.Day, _time.GetUtcNow(), TimeSpan.Zero).ToUnixTimeMilliseconds(), 0, 10, 30, 0)],
            [new RegionalGauge("river-level", mm, (measuredAt ?? _time.GetUtcNow()).ToUnixTimeMilliseconds())]);
        var cap = Assert.Single(_region.Handle("upper-token", RegionWire.Encode(report)).Answer!.Caps);
        // The next measurement is a minute later: a gauge value is newer only with a later time.
        _time.Advance(TimeSpan.FromMinutes(1));
        return (cap.Stage, cap.StageUntilMs);
    }

    /// <summary>The kinds in the region's audit chain, in order (the chain verified first).</summary>
    private List<string> AuditKinds()
    {
        var path = Path.Combine(_dir, "region-audit.log");
        Assert.True(AuditLog.Verify(path).Ok);
        return File.ReadAllLines(path).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.GetProperty("kind").GetString()!).ToList();
    }

    [Fact]
    public void LowRiver_RaisesTheRegionalStage_WithHysteresis_AndClearsWhenItIsBack()
    {
        Assert.Equal(0, Level(1_500).Stage);
        // Below 1,200 mm: stage 2 at once, in this very answer, for at most StageMaxHours.
        var episodeEnd = _time.GetUtcNow().AddHours(24).ToUnixTimeMilliseconds();
        Assert.Equal((2, episodeEnd), Level(1_150));
        _time.Advance(TimeSpan.FromHours(1));
        // Back above 1,200 but not past 1,300: still stage 2 (no flapping at the threshold).
        Assert.Equal(2, Level(1_250).Stage);
        // Below 900: stage 3, the episode's end unchanged.
        Assert.Equal((3, episodeEnd), Level(850));
        Assert.Equal(3, Level(950).Stage);
        Assert.Equal(2, Level(1_050).Stage);
        Assert.Equal((0, 0L), Level(1_350));
        Assert.Equal(["region.stage.triggered", "region.stage.triggered", "region.stage.triggered", "region.stage.trigger_cleared"],
            AuditKinds().Where(k => k.StartsWith("region.stage.", StringComparison.Ordinal)));
    }

    [Fact]
    public void TriggeredStage_EndsAtItsSunset_EvenWithTheRiverStillLow_AndStartsAgainOnlyAfterTheGaugeCleared()
    {
        Assert.Equal(2, Level(1_100).Stage);
        _time.Advance(TimeSpan.FromHours(24));
        // Sunset: the drought still shows, but the trigger does not renew itself; that takes the council.
        Assert.Equal(0, Level(1_100).Stage);
        _time.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, Level(1_000).Stage);
        Assert.Contains("region.stage.trigger_sunset", AuditKinds());
        // The river recovers, then falls again: a new episode with its full time.
        Assert.Equal(0, Level(1_400).Stage);
        Assert.Equal((2, _time.GetUtcNow().AddHours(24).ToUnixTimeMilliseconds()), Level(1_100));
    }

    [Fact]
    public void OlderOrResentGaugeValue_MovesNothing()
    {
        Assert.Equal(0, Level(1_500).Stage);
        // A report queued while upper's link was down arrives late: its level is older than the one held.
        Assert.Equal(0, Level(800, measuredAt: _time.GetUtcNow().AddHours(-3)).Stage);
        // Resent report (same seq): a duplicate, nothing observed again.
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var low = RegionWire.Encode(new RegionReport("upper", 99, now, 0, [], [new RegionalGauge("river-level", 1_100, now)]));
        Assert.Equal(2, Assert.Single(_region.Handle("upper-token", low).Answer!.Caps).Stage);
        Assert.True(_region.Handle("upper-token", low).Answer!.Duplicate);
        Assert.Single(AuditKinds(), k => k == "region.stage.triggered");
    }

    [Fact]
    public void DeclaredStage_IsNeverLoweredByATrigger_AndATriggerAboveItPrevails()
    {
        Assert.True(_region.Council.ProposeStage("d1", Resource.Water, 3, 6, out var p).Accepted);
        Assert.True(_region.Council.ApproveStage(p!.Id, "d1", _time.GetUtcNow(), out _).Accepted);
        Assert.Equal(3, Level(1_100).Stage);
        Assert.Equal(3, Level(1_350).Stage);
        _time.Advance(TimeSpan.FromHours(7));
        Assert.Equal(2, Level(1_100).Stage);
    }

    [Fact]
    public void BadTriggerSettings_NameTheKey()
    {
        var o = RegionServiceTests.Options();
        o.Resources["water"].Triggers = [new RegionalTriggerOptions { Gauge = "River", Below = 1, Above = 2, Stage = 4, Hysteresis = -1 }];
        var errors = o.Errors().ToList();
        Assert.Contains(errors, e => e.StartsWith("Metering:Region:Resources:water:Triggers:0:Gauge 'River' must match", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Metering:Region:Resources:water:Triggers:0 needs exactly one of Below and Above", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Metering:Region:Resources:water:Triggers:0:Stage must be 1, 2 or 3", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Metering:Region:Resources:water:Triggers:0:Hysteresis cannot be negative", StringComparison.Ordinal));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
