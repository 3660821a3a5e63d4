using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Scenarios;

/// <summary>Scenario "A leak at night": continuous flow trips the channel at the gateway; the valve of
/// the real firmware core closes on the gateway's command; the readings that follow confirm it; a
/// technician resets it and water flows again. Device time runs 120x (a device minute per half second).</summary>
[Trait("Category", "Integration")]
public sealed class LeakAtNightScenario
{
    private const string Policy = """
        version: 1
        community: scen
        council: { k: 2, members: [amina, bruno, chen] }
        households:
          - id: h1
            persons: 4
            meters:
              - id: w-0001
                resource: water
                channels: [{ id: main, use: essential }]
          - id: h2
            persons: 2
            meters:
              - id: w-0002
                resource: water
                channels: [{ id: main, use: essential }]
        resources:
          water:
            period: day
            cap: 2_000_000
            floor_per_person: 50_000
            sharing: per_person
            safety: { leak_minutes: 20, burst_max_per_minute: 30_000 }
        """;

    [Fact]
    public async Task LeakAtNight_TripsAtTheGateway_ValveClosesAndReadingsConfirm_TechnicianResetReopens()
    {
        await using var gw = new ScenarioGateway(Policy);
        await gw.StartAsync();
        using var dir = new TempDir("leak-fleet");
        // 01:00 UTC of today: night in the simulated household's profile, in the past of the gateway's clock.
        var night = DateTimeOffset.UtcNow.Date.AddHours(1);
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = MqttBrokerOptions.Parse(gw.Broker), DataDirectory = dir.Path, Community = "scen",
            Meters = 2, Mix = (1, 0, 0), ReadingIntervalMs = 60_000, ClockSpeed = 120,
            ClockStartUnixMs = new DateTimeOffset(night, TimeSpan.Zero).ToUnixTimeMilliseconds(), WaterDrawMl = 5_000,
        });
        fleet.Start();
        await fleet.SetLeakAsync("w-0001", 1_000); // 1 L/min whenever the valve is open

        // 20 device minutes of continuous flow = 20 s: the gateway trips and commands the valve shut.
        Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Breakers().Any(b => b.Id == "w-0001/main" && b.State == "open"),
            TimeSpan.FromSeconds(90)), "the gateway did not trip w-0001/main");
        var breaker = gw.Runtime.Breakers().Single(b => b.Id == "w-0001/main");
        Assert.Equal(("leak", true), (breaker.Safety, breaker.NeedsTechnician));
        Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Commands(50).Any(c => c.Meter == "w-0001" && c.Detail == "main closed" && c.State == "confirmed"),
            TimeSpan.FromSeconds(60)), "the valve command was not confirmed: " + string.Join("\n", gw.Runtime.Commands(50)));
        var close = gw.Runtime.Commands(50).First(c => c.Meter == "w-0001" && c.Detail == "main closed");
        Assert.StartsWith("safety trip: leak", close.Why);
        Assert.True(fleet.Truth("w-0001").Channel("main").Curtailed, "the device's valve is not closed");
        // The neighbour is untouched.
        Assert.DoesNotContain(gw.Runtime.Commands(50), c => c.Meter == "w-0002" && c.Op == "valve");
        // Both devices got their local policy (class, allowance, safety thresholds) and acknowledged it.
        Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Commands(50).Where(c => c.Op is "allowance" or "safety").Count(c => c.State == "acked") == 4,
            TimeSpan.FromSeconds(20)), string.Join("\n", gw.Runtime.Commands(50)));
        Assert.Equal("essential", fleet.Truth("w-0002").Channel("main").UseClass);

        // Closed means closed: the register stands still for a device quarter-hour.
        var stopped = fleet.Truth("w-0001").Channel("main").Register;
        var deviceTime = fleet.ClockUnixMs;
        Assert.True(await ScenarioGateway.EventuallyAsync(() => fleet.ClockUnixMs > deviceTime + 15 * 60_000, TimeSpan.FromSeconds(30)));
        Assert.Equal(stopped, fleet.Truth("w-0001").Channel("main").Register);

        // The plumber fixes the pipe; the technician resets the breaker.
        await fleet.SetLeakAsync("w-0001", 0);
        var reset = gw.Runtime.ResetBreaker("tess", "w-0001/main");
        Assert.True(reset.Accepted, reset.Refusal);
        Assert.True(await ScenarioGateway.EventuallyAsync(() => !fleet.Truth("w-0001").Channel("main").Curtailed, TimeSpan.FromSeconds(30)),
            "the valve did not reopen: " + string.Join("\n", gw.Runtime.Commands(50)));
        Assert.Equal("closed", gw.Runtime.Breakers().Single(b => b.Id == "w-0001/main").State);
        var kinds = gw.Runtime.Audit(100).Select(r => r.Kind).ToList();
        Assert.Contains("breaker.opened", kinds);
        Assert.Contains("breaker.reset", kinds);
        Assert.True(gw.Runtime.VerifyAudit().Ok);

        // The ledger is exact: what flowed is what the gateway counted.
        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(TimeSpan.FromSeconds(30)));
        foreach (var meter in new[] { "w-0001", "w-0002" })
            Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.LedgerUsage(meter, "main") == fleet.Truth(meter).Channel("main").Usage, TimeSpan.FromSeconds(10)),
                $"{meter}: ledger {gw.LedgerUsage(meter, "main")} != device {fleet.Truth(meter).Channel("main").Usage}");
    }
}
