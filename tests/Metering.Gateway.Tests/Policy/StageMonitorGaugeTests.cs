using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>Stage triggers on gauges: village water (stage 1 below 1200 mm, 2 below 800, 3 below 400,
/// hysteresis 100) with a 30-minute dwell and a 60-minute stale rule.</summary>
public sealed class StageMonitorGaugeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stage-gauge-").FullName;
    private static readonly ResourcePolicy Village = PolicyLoader.LoadFile(PolicyFiles.VillagePath).Policy!.Resource(Resource.Water);
    private const long Min = 60_000;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (StageMonitor Monitor, AuditLog Log) Monitor(int dwell = 0, int? staleStage = null)
    {
        var log = new AuditLog(Path.Combine(_dir, $"a-{Guid.NewGuid():N}.jsonl"), new FakeTimeProvider());
        return (new StageMonitor(Village with { GaugeRules = new StageGaugeRules(dwell, 60, staleStage) }, log), log);
    }

    private static List<(string Kind, string Payload)> Audited(AuditLog log) =>
        File.ReadAllLines(log.Path).Select(l => { AuditRecord.TryParse(l, out var r); return (r!.Kind, r.PayloadJson); }).ToList();

    [Fact]
    public void Stages_follow_the_level_gauge_with_hysteresis_one_summary_a_minute()
    {
        var (m, _) = Monitor();
        long t = 0;
        int Feed(long mm) => m.ObserveGauge("reservoir", "level_mm", mm, true, t += Min);
        Assert.Equal([0, 1, 2, 3], new[] { 1500L, 1199, 799, 399 }.Select(Feed));
        Assert.Equal([3, 2, 2, 1, 0], new[] { 499L, 500, 899, 900, 1300 }.Select(Feed));
    }

    [Fact]
    public void A_stage_is_held_for_the_dwell_time_before_the_next_change()
    {
        var (m, _) = Monitor(dwell: 30);
        Assert.Equal(1, m.ObserveGauge("reservoir", "level_mm", 1100, true, 10 * Min));
        Assert.Equal(1, m.ObserveGauge("reservoir", "level_mm", 700, true, 20 * Min)); // stage 2 called for, dwell not over
        Assert.Equal(1, m.CheckGauges(39 * Min));
        Assert.Equal(2, m.CheckGauges(40 * Min));                                    // 30 min after entering stage 1
        Assert.Equal(2, m.ObserveGauge("reservoir", "level_mm", 1400, true, 50 * Min)); // recovered, but dwell again
        Assert.Equal(0, m.ObserveGauge("reservoir", "level_mm", 1400, true, 70 * Min));
    }

    [Fact]
    public void An_unplugged_level_sensor_keeps_the_drought_stage_by_the_stale_rule()
    {
        var (m, log) = Monitor();
        Assert.Equal(3, m.ObserveGauge("reservoir", "level_mm", 350, true, 0));
        for (long minute = 1; minute <= 180; minute++) Assert.Equal(3, m.CheckGauges(minute * Min));
        Assert.Equal(["reservoir/level_mm"], m.StaleGauges);
        Assert.Equal(3, m.StaleFloor);
        // A council lifting a declared minimum, or any other path, cannot drop it while stale.
        Assert.Equal(3, m.Declare(0, "council"));
        var stale = Assert.Single(Audited(log), a => a.Kind == "gauge.stale");
        Assert.Contains("hold stage 3", stale.Payload);

        // The sensor is back: the stage follows the level again (through the hysteresis).
        Assert.Equal(2, m.ObserveGauge("reservoir", "level_mm", 600, true, 181 * Min));
        Assert.Empty(m.StaleGauges);
        Assert.Contains(Audited(log), a => a.Kind == "gauge.resumed");
    }

    [Fact]
    public void A_named_stale_stage_raises_the_stage_while_the_gauge_is_silent()
    {
        var (m, log) = Monitor(staleStage: 2);
        Assert.Equal(0, m.ObserveGauge("reservoir", "level_mm", 1500, true, 0));
        Assert.Equal(0, m.CheckGauges(59 * Min));
        Assert.Equal(2, m.CheckGauges(60 * Min));
        Assert.Contains(Audited(log), a => a.Kind == "stage.changed" && a.Payload.Contains("stale"));
        Assert.Equal(0, m.ObserveGauge("reservoir", "level_mm", 1500, true, 61 * Min));
    }

    [Fact]
    public void An_impossible_value_is_ignored_audited_and_does_not_count_as_heard()
    {
        var (m, log) = Monitor();
        Assert.Equal(1, m.ObserveGauge("reservoir", "level_mm", 1100, true, 0));
        Assert.Equal(1, m.ObserveGauge("reservoir", "level_mm", -40, false, 30 * Min)); // would be stage 3
        Assert.Equal(1, m.CheckGauges(60 * Min));                                       // silent for 60 min since the real one
        Assert.Equal(["reservoir/level_mm"], m.StaleGauges);
        Assert.Contains(Audited(log), a => a.Kind == "gauge.ignored");
    }

    [Fact]
    public void Other_gauges_move_nothing_and_a_gauge_never_heard_is_never_stale()
    {
        var (m, _) = Monitor();
        Assert.Equal(0, m.ObserveGauge("well", "pressure_pa", 1, true, 0));
        Assert.Equal(0, m.CheckGauges(600 * Min));
        Assert.Empty(m.StaleGauges);
    }

    [Fact]
    public void The_loader_reads_stage_rules_and_refuses_bad_ones()
    {
        string yaml = File.ReadAllText(PolicyFiles.VillagePath).Replace(
            "    stages:\n      - stage: 1\n        trigger: { meter: reservoir",
            "    stage_rules: { dwell_minutes: 30, stale_after_minutes: 60 }\n    stages:\n      - stage: 1\n        trigger: { meter: reservoir");
        Assert.Contains("stage_rules", yaml);
        var path = Path.Combine(_dir, "p.yaml");
        File.WriteAllText(path, yaml);
        var rules = PolicyLoader.LoadFile(path).Policy!.Resource(Resource.Water).GaugeRules;
        Assert.Equal(new StageGaugeRules(30, 60, null), rules);

        File.WriteAllText(path, yaml.Replace("stale_after_minutes: 60", "stale_after_minutes: 0"));
        var bad = PolicyLoader.LoadFile(path);
        Assert.Null(bad.Policy);
        Assert.Contains(bad.Errors, e => e.ToString().Contains("stale_after_minutes"));
    }
}
