using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Policy;

/// <summary>Local leak and burst detection (docs/protocol.md, safety and reset): a trip closes the
/// valve, even an essential one, emits its event once, survives power cycles and ends only with
/// a technician's reset.</summary>
public class SafetyTripTests
{
    /// <summary>Classes and allowances from <see cref="Household.Classes"/>, unless a test needs
    /// more water than they allow.</summary>
    private static Rig Guarded(string tap = "drink", int leakS = 1800, long burstPerMin = 0, bool classes = true)
    {
        var rig = Household.Started();
        rig.Drain();
        if (classes) rig.Classes();
        Assert.Contains("\"ok\":true", rig.Command($"\"op\":\"safety\",\"ch\":\"{tap}\",\"leak_s\":{leakS},\"burst_per_min\":{burstPerMin}"));
        return rig;
    }

    private static List<System.Text.Json.JsonElement> Trips(Rig rig, string kind) =>
        rig.Events.Select(e => e.Json).Where(j => j.GetProperty("kind").GetString() == kind).ToList();

    [Fact]
    public void Continuous_flow_for_leak_s_trips_an_essential_tap_and_reports_the_leak_once()
    {
        var rig = Guarded();
        LocalPolicyTests.Flow(rig, "drink", 29 * 60_000, 10_000, 3); // a trickle, every 10 s
        Assert.False(rig.Valves().IsClosed("drink"));

        LocalPolicyTests.Flow(rig, "drink", 2 * 60_000, 10_000, 3);
        Assert.True(rig.Valves().IsClosed("drink"));
        Assert.Equal("leak", rig.Tap("drink").Trip);
        Assert.Equal(CutReason.Safety, rig.Tap("drink").CutReason);
        long stoppedAt = rig.Tap("drink").Register;

        LocalPolicyTests.Flow(rig, "drink", 3_600_000, 10_000, 3);
        rig.Drain();
        Assert.Equal(stoppedAt, rig.Tap("drink").Register);
        var leak = Assert.Single(Trips(rig, "leak"));
        Assert.Equal("drink", leak.GetProperty("ch").GetString());
        Assert.Matches(@"^flow_ms 18\d{5}$", leak.GetProperty("detail").GetString());
    }

    [Fact]
    public void Use_with_pauses_of_a_minute_is_not_a_leak()
    {
        var rig = Guarded(leakS: 600);
        for (int i = 0; i < 12; i++)
        {
            LocalPolicyTests.Flow(rig, "drink", 9 * 60_000, 10_000, 50);
            LocalPolicyTests.Flow(rig, "drink", 61_000, 61_000, 0);
        }
        Assert.Null(rig.Tap("drink").Trip);
        Assert.False(rig.Valves().IsClosed("drink"));
    }

    [Fact]
    public void More_than_burst_per_min_within_a_minute_trips_a_burst_but_a_steady_rate_under_it_does_not()
    {
        var rig = Guarded(tap: "shower", leakS: 0, burstPerMin: 20_000, classes: false);
        LocalPolicyTests.Flow(rig, "shower", 10 * 60_000, 1_000, 300); // 18 L/min for 10 minutes
        Assert.Null(rig.Tap("shower").Trip);

        LocalPolicyTests.Flow(rig, "shower", 30_000, 1_000, 800);      // a burst pipe: 48 L/min
        Assert.Equal("burst", rig.Tap("shower").Trip);
        Assert.True(rig.Valves().IsClosed("shower"));
        rig.Drain();
        var burst = Assert.Single(Trips(rig, "burst"));
        Assert.StartsWith("per_min ", burst.GetProperty("detail").GetString());
    }

    [Fact]
    public void Coarse_ticks_compare_the_mean_rate_per_minute_not_the_rise_since_the_last_tick()
    {
        var rig = Guarded(tap: "shower", leakS: 0, burstPerMin: 20_000, classes: false);
        LocalPolicyTests.Flow(rig, "shower", 60 * 60_000, 180_000, 54_000); // 18 L/min seen every 3 min
        Assert.Null(rig.Tap("shower").Trip);
        LocalPolicyTests.Flow(rig, "shower", 6 * 60_000, 180_000, 66_000);  // 22 L/min
        Assert.Equal("burst", rig.Tap("shower").Trip);
    }

    [Fact]
    public void A_trip_survives_a_power_cycle_and_only_a_reset_reopens_the_valve()
    {
        var rig = Guarded(leakS: 600);
        LocalPolicyTests.Flow(rig, "drink", 11 * 60_000, 10_000, 5);
        Assert.Equal("leak", rig.Tap("drink").Trip);
        rig.Drain();

        var after = rig.Reboot();
        after.Drain();
        Assert.Equal("leak", after.Tap("drink").Trip);
        Assert.True(after.Valves().IsClosed("drink"));
        Assert.Contains("\"ok\":true", after.Command("\"op\":\"valve\",\"ch\":\"drink\",\"state\":\"open\""));
        after.Device.Tick();
        Assert.True(after.Valves().IsClosed("drink")); // the gateway's open does not override a trip
        Assert.Empty(Trips(after, "leak"));             // no second event after the reboot

        Assert.Contains("\"ok\":true", after.Command("\"op\":\"reset\",\"ch\":\"drink\""));
        after.Device.Tick();
        Assert.Null(after.Tap("drink").Trip);
        Assert.False(after.Valves().IsClosed("drink"));

        // Detection starts afresh after the reset: a new leak trips again, with a new event.
        LocalPolicyTests.Flow(after, "drink", 11 * 60_000, 10_000, 5);
        Assert.Equal("leak", after.Tap("drink").Trip);
        after.Drain();
        Assert.Single(Trips(after, "leak"));
    }

    [Fact]
    public void A_register_that_goes_down_restarts_leak_timing()
    {
        var watch = new FlowWatch();
        long register = 1_000, up = 0;
        for (; up <= 540_000; up += 10_000) Assert.Equal(0, watch.Step(register += 5, up, 600, 0)); // 9 min of flow
        register = 3; // a meter swap
        for (long end = up + 540_000; up <= end; up += 10_000) Assert.Equal(0, watch.Step(register += 5, up, 600, 0));
        for (long end = up + 60_000; up <= end && watch.Step(register += 5, up, 600, 0) == 0; up += 10_000) { }
        Assert.InRange(watch.FlowMs, 600_000, 610_000);
    }

    [Fact]
    public void Thresholds_of_zero_turn_detection_off()
    {
        var rig = Guarded(leakS: 0, burstPerMin: 0);
        LocalPolicyTests.Flow(rig, "drink", 6 * 3_600_000, 10_000, 1_000);
        Assert.Null(rig.Tap("drink").Trip);
    }
}
