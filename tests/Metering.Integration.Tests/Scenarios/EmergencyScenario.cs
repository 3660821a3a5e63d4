using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Scenarios;

/// <summary>An emergency declared by quorum reaches the devices and ends by itself at its sunset;
/// a renewal without quorum is refused and audited. And no command is lost across a gateway restart while
/// the devices are offline.</summary>
[Trait("Category", "Integration")]
public sealed class EmergencyScenario
{
    private static MeterFleet Fleet(ScenarioGateway gw, string directory) => new(new FleetOptions
    {
        Broker = MqttBrokerOptions.Parse(gw.Broker), DataDirectory = directory, Community = "scen",
        Meters = 3, Mix = (1, 0, 0), ReadingIntervalMs = 60_000, ClockSpeed = 60,
    });

    private static bool Curtailed(MeterFleet fleet, string meter) => fleet.Truth(meter).Channel("main").Curtailed;

    [Fact]
    public async Task EmergencyByQuorum_ReachesTheDevices_ExpiresAtSunset_AndARenewalWithoutQuorumIsRefused()
    {
        await using var gw = new ScenarioGateway(ScenarioPolicies.ThreeHouseholds);
        await gw.StartAsync();
        using var dir = new TempDir("emergency-fleet");
        await using var fleet = Fleet(gw, dir.Path);
        fleet.Start();
        Assert.True(await fleet.WaitForAsync("w-0003", t => t.Channel("main").UseClass == "essential", TimeSpan.FromSeconds(60)));

        Assert.Equal("pending", gw.Runtime.DeclareEmergency("amina", "well pump failed", TimeSpan.FromSeconds(8)).Id);
        Assert.Equal(0, gw.Runtime.Overview().Resources.Single().Stage);
        var declared = gw.Runtime.DeclareEmergency("bruno", "well pump failed", TimeSpan.FromSeconds(8));
        Assert.Equal("declared", declared.Id);
        Assert.True(await ScenarioGateway.EventuallyAsync(() => fleet.Truth().All(t => t.Stage == 3) && Curtailed(fleet, "w-0001") && Curtailed(fleet, "w-0002"),
            TimeSpan.FromSeconds(20)), "the devices did not reach stage 3:\n" + string.Join("\n", gw.Runtime.Commands(30)));
        Assert.False(Curtailed(fleet, "w-0003")); // essential under its floor, even in an emergency
        var e = gw.Runtime.Overview().Emergency!;
        Assert.Equal(("well pump failed", "council"), (e.Reason, e.DeclaredBy));
        Assert.InRange(e.Remaining, TimeSpan.Zero, TimeSpan.FromSeconds(8));

        // The sunset: nobody lifts it, it ends by itself, and the devices follow.
        Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Overview().Emergency is null, TimeSpan.FromSeconds(20)));
        Assert.True(await ScenarioGateway.EventuallyAsync(() => fleet.Truth().All(t => t.Stage == 0) && !Curtailed(fleet, "w-0001") && !Curtailed(fleet, "w-0002"),
            TimeSpan.FromSeconds(20)), "the devices did not step down:\n" + string.Join("\n", gw.Runtime.Commands(30)));
        var renew = gw.Runtime.RenewEmergency("chen", TimeSpan.FromHours(1));
        Assert.False(renew.Accepted);
        var audit = gw.Runtime.Audit(100).Select(r => r.Kind).ToList();
        Assert.Equal("emergency.refused", audit[0]);
        Assert.Contains("emergency.expired", audit);
        Assert.Contains("emergency.declared", audit);
        Assert.True(gw.Runtime.VerifyAudit().Ok);
    }

    [Fact]
    public async Task CommandsIssuedWhileDevicesAreOffline_SurviveAGatewayRestart_AndAreDeliveredOnceWithTheirCids()
    {
        await using var gw = new ScenarioGateway(ScenarioPolicies.ThreeHouseholds);
        await gw.StartAsync();
        using var dir = new TempDir("restart-fleet");
        await using (var first = Fleet(gw, dir.Path))
        {
            first.Start();
            Assert.True(await first.WaitForAsync("w-0003", t => t.Channel("main").UseClass == "essential", TimeSpan.FromSeconds(60)));
            // In sync before the power cut: every push acknowledged, or replaced by a newer push (an
            // allowance re-sent as use grows supersedes the one before: a matter of timing).
            Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Commands(30).All(c => c.State is "acked" or "confirmed" or "superseded"),
                TimeSpan.FromSeconds(40)), "pushes not acknowledged before the power cut:\n" + string.Join("\n", gw.Runtime.Commands(30)));
            await first.StopAsync(graceful: false); // a power cut in the village
        }
        gw.Runtime.DeclareEmergency("amina", "flood", TimeSpan.FromHours(2));
        gw.Runtime.DeclareEmergency("chen", "flood", TimeSpan.FromHours(2));
        Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Commands(50).Count(c => c.Op is "stage" or "valve") == 5, TimeSpan.FromSeconds(10)));
        var issued = gw.Runtime.Commands(50).Where(c => c.Op is "stage" or "valve").Select(c => c.Cid).Order().ToList();
        Assert.All(gw.Runtime.Commands(50).Where(c => issued.Contains(c.Cid)), c => Assert.NotEqual("acked", c.State));

        await gw.RestartAsync();  // the embedded broker's queued downlinks are gone with it
        Assert.Equal(3, gw.Runtime.Overview().Resources.Single().Stage);
        await using var second = Fleet(gw, dir.Path);
        second.Start();
        Assert.True(await ScenarioGateway.EventuallyAsync(() => second.Truth().All(t => t.Stage == 3) && Curtailed(second, "w-0001") && Curtailed(second, "w-0002"),
            TimeSpan.FromSeconds(40)), "the devices did not get the commands:\n" + string.Join("\n", gw.Runtime.Commands(30)));
        Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Commands(50).Where(c => issued.Contains(c.Cid)).All(c => c.State is "acked" or "confirmed"),
            TimeSpan.FromSeconds(30)), string.Join("\n", gw.Runtime.Commands(30)));
        // Delivered with the cids issued before the restart: no command was created twice.
        Assert.Equal(issued, gw.Runtime.Commands(50).Where(c => c.Op is "stage" or "valve").Select(c => c.Cid).Order().ToList());
    }
}
