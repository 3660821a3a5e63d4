using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Tests.Gateway;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Scenarios;

/// <summary>Scenario "Drought": the reservoir level falls, stages rise 1 to 3 with hysteresis, discretionary
/// use is shed first, every household keeps its floor, the level recovers and the stages step down. The three
/// households are fleet meters running the real firmware core (one channel each: a garden meter, a laundry
/// meter, a kitchen meter); the reservoir level gauge is published by the test over MQTT (the fleet has no
/// level sensor).</summary>
[Trait("Category", "Integration")]
public sealed class DroughtScenario
{
    [Fact]
    public async Task FallingReservoir_ShedsDiscretionaryThenStandard_KeepsTheFloor_AndRecovers()
    {
        await using var gw = new ScenarioGateway(ScenarioPolicies.ThreeHouseholds);
        await gw.StartAsync();
        using var dir = new TempDir("drought-fleet");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = MqttBrokerOptions.Parse(gw.Broker), DataDirectory = dir.Path, Community = "scen",
            Meters = 3, Mix = (1, 0, 0), ReadingIntervalMs = 60_000, ClockSpeed = 60,
        });
        fleet.Start();
        await using var gauge = new TestDevice("scen", "reservoir", gw.BrokerPort);
        await gauge.ConnectAsync();
        long seq = 0;
        async Task Level(long mm) =>
            await gauge.PublishAsync("reading", $"{{\"v\":1,\"seq\":{++seq},\"ts\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"level_mm\",\"u\":\"mL\",\"reg\":{mm}}}]}}");
        bool Cut(string meter) => fleet.Truth(meter).Channel("main").Curtailed;
        async Task Expect(int stage, bool garden, bool laundry, bool kitchen)
        {
            Assert.True(await ScenarioGateway.EventuallyAsync(
                () => gw.Runtime.Overview().Resources.Single().Stage == stage && Cut("w-0001") == garden && Cut("w-0002") == laundry && Cut("w-0003") == kitchen
                      && fleet.Truth("w-0001").Stage == stage, TimeSpan.FromSeconds(30)),
                $"expected stage {stage} with cuts {garden}/{laundry}/{kitchen}; gateway stage {gw.Runtime.Overview().Resources.Single().Stage}, " +
                $"devices {Cut("w-0001")}/{Cut("w-0002")}/{Cut("w-0003")} stage {fleet.Truth("w-0001").Stage}\n" + string.Join("\n", gw.Runtime.Commands(30)));
        }

        Assert.True(await fleet.WaitForAsync("w-0003", t => t.Channel("main").UseClass == "essential", TimeSpan.FromSeconds(30)), "the policy did not reach the devices");
        await Level(1300);
        await Expect(0, false, false, false);
        await Level(1100);
        await Expect(1, true, false, false);
        await Level(700);
        await Expect(2, true, true, false);
        // Stage 3 curtails essential use only above the floor: 100 persons x 50 L is far from used.
        await Level(350);
        await Expect(3, true, true, false);
        Assert.True(gw.Runtime.Household("kitchen")!.Resources.Single().UnderFloor);
        Assert.Equal("allowed: basic need protected", gw.Runtime.Household("kitchen")!.Resources.Single().Channels.Single().Reason);
        await Level(450);       // within the hysteresis band: stays at 3
        await Expect(3, true, true, false);
        await Level(550);
        await Expect(2, true, true, false);
        await Level(1000);
        await Expect(1, true, false, false);
        await Level(1400);
        await Expect(0, false, false, false);
        Assert.Equal(6, gw.Runtime.Audit(200).Count(r => r.Kind == "stage.changed")); // 0-1-2-3 and 3-2-1-0
        Assert.True(gw.Runtime.VerifyAudit().Ok);
    }
}
