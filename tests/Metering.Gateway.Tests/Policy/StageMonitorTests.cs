using CsCheck;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Time.Testing;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class StageMonitorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("stage-").FullName;
    private static readonly ResourcePolicy Water = PolicyLoader.LoadFile(PolicyFiles.VillagePath).Policy!.Resource(Resource.Water);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Drought_StagesRiseWithTheFallingLevel_AndStepDownOnlyPastTheHysteresis()
    {
        // Village water: stage 1 below 1200 mm, 2 below 800, 3 below 400; hysteresis 100 mm.
        var log = new AuditLog(Path.Combine(_dir, "a.jsonl"), new FakeTimeProvider());
        var m = new StageMonitor(Water, log);
        int[] Feed(params long[] levels) => [.. levels.Select(l => m.Observe("reservoir", "level_mm", l))];

        Assert.Equal([0, 0, 1, 1, 2, 2, 3], Feed(1500, 1200, 1199, 900, 799, 500, 399));
        Assert.Equal([3, 3, 2, 2, 1, 1, 0], Feed(450, 499, 500, 899, 900, 1299, 1300));
        // Oscillating around a threshold does not flap.
        Assert.Equal([1, 1, 1, 1], Feed(1199, 1201, 1190, 1250));
        // Every change audited, nothing else: 0-1-2-3-2-1-0, then 0-1.
        var changes = File.ReadAllLines(log.Path).Select(l => { AuditRecord.TryParse(l, out var r); return r!; }).ToList();
        Assert.All(changes, r => Assert.Equal("stage.changed", r.Kind));
        Assert.Equal(["1", "2", "3", "2", "1", "0", "1"], changes.Select(r => System.Text.Json.JsonDocument.Parse(r.PayloadJson).RootElement.GetProperty("to").ToString()));
    }

    [Fact]
    public void OtherSignals_AreIgnored_AndADeclaredStageHoldsAsAMinimum()
    {
        var m = new StageMonitor(Water);
        Assert.Equal(0, m.Observe("reservoir", "temperature", 0));
        Assert.Equal(0, m.Observe("tank", "level_mm", 0));
        Assert.Equal(3, m.Declare(3, "emergency"));
        Assert.Equal(3, m.Observe("reservoir", "level_mm", 1000));
        Assert.Equal(1, m.Declare(0, "emergency ended"));
    }
}

public sealed class StageMonitorProperties
{
    private static readonly ResourcePolicy Water = PolicyLoader.LoadFile(PolicyFiles.VillagePath).Policy!.Resource(Resource.Water);

    [Fact]
    public void FallingLevel_NeverLowersTheStage_RisingLevel_NeverRaisesIt()
    {
        Gen.Long[0, 2_000].Array[2, 40].Sample(levels =>
        {
            var m = new StageMonitor(Water);
            var prev = 0;
            foreach (var l in levels.OrderDescending())
            {
                var s = m.Observe("reservoir", "level_mm", l);
                Assert.True(s >= prev);
                prev = s;
            }
            foreach (var l in levels.Order())
            {
                var s = m.Observe("reservoir", "level_mm", l);
                Assert.True(s <= prev);
                prev = s;
            }
            if (levels.Max() >= 1300) Assert.Equal(0, prev); // back past stage 1's threshold + hysteresis: normal
        }, iter: 300);
    }

    [Fact]
    public void NoiseNarrowerThanTheHysteresis_ChangesTheStageAtMostOnce()
    {
        // Village hysteresis is 100 mm: noise of +/- 49 mm around any level flips nothing after the first step.
        Gen.Select(Gen.Long[300, 1_500], Gen.Long[-49, 49].Array[10, 60]).Sample((centre, noise) =>
        {
            var m = new StageMonitor(Water);
            var stages = noise.Select(n => m.Observe("reservoir", "level_mm", centre + n)).ToList();
            var changes = stages.Zip(stages.Skip(1)).Count(p => p.First != p.Second);
            Assert.True(changes <= 1, $"{changes} changes around {centre}: {string.Join(",", stages)}");
        }, iter: 300);
    }
}
