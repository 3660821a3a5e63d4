using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Tests.Scenarios;

/// <summary>Scenario "Drought": the reservoir level falls, stages rise 1 to 3 with hysteresis, discretionary
/// use is shed first, every household keeps its floor, the level recovers and the stages step down. The three
/// households are fleet meters running the real firmware core (one channel each: a garden meter, a laundry
/// meter, a kitchen meter); the reservoir is a simulated tank-level node running the real firmware core too
/// (<see cref="SimulatedTankGauge"/>: a level_mm gauge summarised every simulated minute). Gateway and
/// reservoir share one clock at 60x (<see cref="ScenarioClock"/>): a simulated minute per real second.</summary>
[Trait("Category", "Integration")]
public sealed class DroughtScenario
{
    private sealed class Village : IAsyncDisposable
    {
        public required ScenarioGateway Gateway { get; init; }
        public required MeterFleet Fleet { get; init; }
        public required SimulatedTankGauge Tank { get; init; }
        public required TempDir Dir { get; init; }

        public int Stage => Gateway.Runtime.Overview().Resources.Single().Stage;

        public async ValueTask DisposeAsync()
        {
            await Tank.DisposeAsync();
            await Fleet.DisposeAsync();
            await Gateway.DisposeAsync();
            Dir.Dispose();
        }
    }

    private static async Task<Village> StartAsync(string name)
    {
        var clock = new ScenarioClock(DateTimeOffset.UtcNow, speed: 60);
        var gw = new ScenarioGateway(ScenarioPolicies.ThreeHouseholds, time: clock);
        await gw.StartAsync();
        // A gauge-only node cannot register itself (a gauge names no resource): commissioned as the
        // policy's shared meter.
        var registered = await gw.Services.GetRequiredService<LedgerWriter>().SubmitAsync(
            new RegisterMeterWrite(new MeterInfo("reservoir", "scen", Resource.Water), clock.Now.ToUnixTimeMilliseconds()), CancellationToken.None);
        Assert.Equal(LedgerStatus.Committed, registered.Status);
        var dir = new TempDir(name);
        var broker = MqttBrokerOptions.Parse(gw.Broker);
        var fleet = new MeterFleet(new FleetOptions
        {
            Broker = broker, DataDirectory = dir.Path, Community = "scen",
            Meters = 3, Mix = (1, 0, 0), ReadingIntervalMs = 60_000, Clock = clock.Device,
        });
        fleet.Start();
        var tank = new SimulatedTankGauge("scen", "reservoir", broker, Path.Combine(dir.Path, "reservoir.flash"), clock.Device) { LevelMm = 1300 };
        tank.Start();
        return new Village { Gateway = gw, Fleet = fleet, Tank = tank, Dir = dir };
    }

    [Fact]
    public async Task FallingReservoir_ShedsDiscretionaryThenStandard_KeepsTheFloor_AndRecovers()
    {
        await using var v = await StartAsync("drought-fleet");
        var (gw, fleet) = (v.Gateway, v.Fleet);
        bool Cut(string meter) => fleet.Truth(meter).Channel("main").Curtailed;
        async Task Expect(int stage, bool garden, bool laundry, bool kitchen)
        {
            Assert.True(await ScenarioGateway.EventuallyAsync(
                () => v.Stage == stage && Cut("w-0001") == garden && Cut("w-0002") == laundry && Cut("w-0003") == kitchen
                      && fleet.Truth("w-0001").Stage == stage, TimeSpan.FromSeconds(30)),
                $"expected stage {stage} with cuts {garden}/{laundry}/{kitchen}; gateway stage {v.Stage}, " +
                $"devices {Cut("w-0001")}/{Cut("w-0002")}/{Cut("w-0003")} stage {fleet.Truth("w-0001").Stage}\n" + string.Join("\n", gw.Runtime.Commands(30)));
        }

        Assert.True(await fleet.WaitForAsync("w-0003", t => t.Channel("main").UseClass == "essential", TimeSpan.FromSeconds(30)), "the policy did not reach the devices");
        await Expect(0, false, false, false);
        v.Tank.LevelMm = 1100;
        await Expect(1, true, false, false);
        v.Tank.LevelMm = 700;
        await Expect(2, true, true, false);
        // Stage 3 curtails essential use only above the floor: 100 persons x 50 L is far from used.
        v.Tank.LevelMm = 350;
        await Expect(3, true, true, false);
        Assert.True(gw.Runtime.Household("kitchen")!.Resources.Single().UnderFloor);
        Assert.Equal("allowed: basic need protected", gw.Runtime.Household("kitchen")!.Resources.Single().Channels.Single().Reason);
        v.Tank.LevelMm = 450;       // within the hysteresis band: stays at 3
        await Task.Delay(3000);     // three gauge summaries
        await Expect(3, true, true, false);
        v.Tank.LevelMm = 550;
        await Expect(2, true, true, false);
        v.Tank.LevelMm = 1000;
        await Expect(1, true, false, false);
        v.Tank.LevelMm = 1400;
        await Expect(0, false, false, false);
        Assert.Equal(6, gw.Runtime.Audit(200).Count(r => r.Kind == "stage.changed")); // 0-1-2-3 and 3-2-1-0
        Assert.True(gw.Runtime.VerifyAudit().Ok);
        // The level was a gauge all along: no register, no register_decrease however far it fell.
        var gauges = ((IGaugeReader)gw.Ledger).GaugeSeries("reservoir", "level_mm", 0, long.MaxValue, 10_000);
        Assert.Contains(gauges, g => g.Last == 350);
        Assert.All(gauges, g => Assert.Null(g.Flag));
        Assert.DoesNotContain(gw.Ledger.ListMeters().Single(m => m.Meter.Id == "reservoir").Channels, c => c.Name == "level_mm");
        var metrics = await gw.Services.GetRequiredService<Commons.Metering.Gateway.Telemetry.MeterExporter>().ToTextAsync();
        Assert.Contains("metering_flagged_total{flag=\"register_decrease\"} 0", metrics.Split('\n'));
    }

    [Fact]
    public async Task An_unplugged_level_sensor_mid_drought_keeps_the_stage_by_the_stale_rule()
    {
        await using var v = await StartAsync("drought-unplugged");
        v.Tank.LevelMm = 350;
        Assert.True(await ScenarioGateway.EventuallyAsync(() => v.Stage == 3, TimeSpan.FromSeconds(30)), $"stage {v.Stage}");

        v.Tank.Plugged = false;
        v.Tank.LevelMm = 1400;      // the rain came, but nobody can see it: the drought must not lift quietly
        // 5 simulated minutes of silence make the gauge stale; watch 12 minutes of it, every 100 ms.
        var until = DateTime.UtcNow.AddSeconds(12);
        while (DateTime.UtcNow < until)
        {
            Assert.Equal(3, v.Stage);
            await Task.Delay(100);
        }
        Assert.True(v.Tank.FailedPolls > 0);
        Assert.True(await ScenarioGateway.EventuallyAsync(() => v.Gateway.Runtime.Audit(200).Any(r => r.Kind == "gauge.stale"), TimeSpan.FromSeconds(10)),
            "the stale gauge was not audited");

        v.Tank.Plugged = true;      // the sensor is back: the stage follows the level again
        Assert.True(await ScenarioGateway.EventuallyAsync(() => v.Stage == 0, TimeSpan.FromSeconds(30)), $"stage {v.Stage}");
        Assert.Contains(v.Gateway.Runtime.Audit(200), r => r.Kind == "gauge.resumed");
        Assert.True(v.Gateway.Runtime.VerifyAudit().Ok);
    }
}
