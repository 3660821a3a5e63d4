using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Tests.Gateway;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Scenarios;

/// <summary>Scenario "The gateway is down for a simulated day": the gateway's half. Stage 2 is in force
/// when the gateway stops; device time runs 2880x (a device day in 30 s) while it is away; on its return
/// the ledger equals what the devices counted, and the devices and the gateway agree on the stage and on
/// which channels are cut. (That the devices keep enforcing while alone is the firmware's test:
/// tests/Metering.Firmware.Host.Tests/Fleet/AutonomyTests.cs.)</summary>
[Trait("Category", "Integration")]
public sealed class GatewayDownForADayScenario
{
    [Fact]
    public async Task AfterADayAway_TheLedgerIsExact_AndDevicesAndGatewayAgree()
    {
        await using var gw = new ScenarioGateway(ScenarioPolicies.ThreeHouseholds);
        await gw.StartAsync();
        using var dir = new TempDir("day-fleet");
        // Device clocks start two days back: the ~2 device days this test lasts stay within the gateway's
        // clock_future bound (1 day ahead); a faster clock gets the last readings rejected.
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = MqttBrokerOptions.Parse(gw.Broker), DataDirectory = dir.Path, Community = "scen",
            Meters = 3, Mix = (1, 0, 0), ReadingIntervalMs = 600_000, ClockSpeed = 2880,
            ClockStartUnixMs = DateTimeOffset.UtcNow.AddDays(-2).ToUnixTimeMilliseconds(),
        });
        fleet.Start();
        await using (var gauge = new TestDevice("scen", "reservoir", gw.BrokerPort))
        {
            await gauge.ConnectAsync();
            await gauge.PublishAsync("reading", $"{{\"v\":1,\"seq\":1,\"ts\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"level_mm\",\"u\":\"mL\",\"reg\":700}}]}}");
        }
        bool Cut(string meter) => fleet.Truth(meter).Channel("main").Curtailed;
        Assert.True(await ScenarioGateway.EventuallyAsync(() => fleet.Truth().All(t => t.Stage == 2) && Cut("w-0001") && Cut("w-0002") && !Cut("w-0003"),
            TimeSpan.FromSeconds(30)), "stage 2 did not reach the devices:\n" + string.Join("\n", gw.Runtime.Commands(30)));

        await gw.StopAsync();
        var away = fleet.ClockUnixMs;
        Assert.True(await ScenarioGateway.EventuallyAsync(() => fleet.ClockUnixMs >= away + 86_400_000, TimeSpan.FromSeconds(60)));
        Assert.True(fleet.Truth().All(t => t.OutboxDepth > 100), "the devices did not queue a day of readings");
        await gw.StartAsync();

        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(TimeSpan.FromSeconds(60)), "the devices did not catch up");
        foreach (var t in fleet.Truth())
            Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.LedgerUsage(t.MeterId, "main") == fleet.Truth(t.MeterId).Channel("main").Usage, TimeSpan.FromSeconds(15)),
                $"{t.MeterId}: ledger {gw.LedgerUsage(t.MeterId, "main")} != device {fleet.Truth(t.MeterId).Channel("main").Usage}");

        // Device and gateway agree: the stage, and which channels are cut.
        Assert.Equal(2, gw.Runtime.Overview().Resources.Single().Stage);
        Assert.All(fleet.Truth(), t => Assert.Equal(2, t.Stage));
        Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Household("garden")!.Resources.Single().Channels.Single().Decision == "curtailed", TimeSpan.FromSeconds(10)));
        foreach (var (household, meter) in new[] { ("garden", "w-0001"), ("laundry", "w-0002"), ("kitchen", "w-0003") })
            Assert.Equal(gw.Runtime.Household(household)!.Resources.Single().Channels.Single().Decision != "allowed", Cut(meter));
        Assert.DoesNotContain(gw.Runtime.Commands(100), c => c.State is "pending" or "escalated" or "refused");
    }
}
