using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Policy;

/// <summary>The device's local policy (docs/protocol.md, "Device autonomy"), rule by rule, with
/// the fake clock and flash: use classes, allowances and their periods, stages, fail-safe.</summary>
public class LocalPolicyTests
{
    /// <summary>Runs <paramref name="ms"/> in steps; each step the tap draws <paramref name="perStep"/>
    /// mL unless its valve is closed (a closed valve really stops the water).</summary>
    internal static void Flow(Rig rig, string tap, long ms, long stepMs, long perStep)
    {
        for (long t = 0; t < ms; t += stepMs)
        {
            rig.Clock.Advance(stepMs);
            if (!rig.Valves().IsClosed(tap)) rig.Tap(tap).AddPulses(perStep);
            rig.Device.Tick();
        }
    }

    [Fact]
    public void Without_any_policy_nothing_is_curtailed_and_every_channel_is_standard()
    {
        var rig = Household.Started();
        rig.Drain();
        Flow(rig, "garden", 3_600_000, 60_000, 10_000);

        foreach (var name in new[] { "drink", "shower", "garden" })
        {
            Assert.False(rig.Tap(name).IsCurtailed);
            Assert.Equal(UseClass.Standard, rig.Tap(name).UseClass);
            Assert.Equal(-1, rig.Tap(name).AllowanceUsed);
        }
        Assert.DoesNotContain(rig.Valves().Calls, c => c.EndsWith("closed"));
        Assert.Equal(600_000, rig.Tap("garden").Register);
    }

    [Fact]
    public void A_used_up_allowance_closes_a_discretionary_tap_until_the_next_period_starts()
    {
        var rig = Household.Started();
        rig.Drain();
        rig.Classes(); // garden: 20 L a day, periods from UTC midnight
        Flow(rig, "garden", 19 * 60_000, 60_000, 1_000);
        Assert.False(rig.Tap("garden").IsCurtailed);
        Assert.Equal(19_000, rig.Tap("garden").AllowanceUsed);

        Flow(rig, "garden", 5 * 60_000, 60_000, 1_000);
        Assert.True(rig.Valves().IsClosed("garden"));
        Assert.Equal(CutReason.Allowance, rig.Tap("garden").CutReason);
        Assert.Equal(20_000, rig.Tap("garden").Register); // the valve stopped it at the limit

        // Epoch is 12:10 UTC; the next period starts at midnight.
        long untilMidnight = 86_400_000 - (rig.Clock.UnixMs % 86_400_000);
        Flow(rig, "garden", untilMidnight - 60_000, 60_000, 1_000);
        Assert.True(rig.Valves().IsClosed("garden"));
        Flow(rig, "garden", 60_000, 60_000, 0);
        Assert.False(rig.Valves().IsClosed("garden"));
        Assert.Equal(0, rig.Tap("garden").AllowanceUsed);
    }

    [Fact]
    public void An_essential_tap_is_never_cut_by_its_allowance_but_a_standard_one_is()
    {
        var rig = Household.Started();
        rig.Drain();
        rig.Classes();
        Flow(rig, "drink", 10 * 60_000, 60_000, 10_000);   // 100 L of a 50 L allowance
        Flow(rig, "shower", 20 * 60_000, 60_000, 10_000);  // 100 L allowance

        Assert.False(rig.Valves().IsClosed("drink"));
        Assert.Equal(100_000, rig.Tap("drink").AllowanceUsed);
        Assert.True(rig.Valves().IsClosed("shower"));
        Assert.Equal(CutReason.Allowance, rig.Tap("shower").CutReason);
    }

    [Fact]
    public void Allowance_sent_mid_period_counts_what_the_gateway_already_counted_from_its_start()
    {
        var rig = Household.Started();
        rig.Drain();
        long localMidnight = rig.Clock.UnixMs - rig.Clock.UnixMs % 86_400_000 - 3_600_000; // UTC+1
        rig.Command($$"""
            "op":"allowance","ch":"garden","limit":5000,"period_s":86400,"start":{{localMidnight}},"used":4500,"class":"discretionary"
            """.Trim());
        Assert.Equal(4_500, rig.Tap("garden").AllowanceUsed);
        Flow(rig, "garden", 10 * 60_000, 60_000, 100);
        Assert.True(rig.Valves().IsClosed("garden"));
        Assert.Equal(500, rig.Tap("garden").Register);

        // The community's day starts at 23:00 UTC, not at midnight.
        long untilLocalMidnight = localMidnight + 86_400_000 - rig.Clock.UnixMs;
        Flow(rig, "garden", untilLocalMidnight, 60_000, 0);
        Assert.False(rig.Valves().IsClosed("garden"));
    }

    [Theory]
    [InlineData(0, null, false, false)]
    [InlineData(1, null, false, false)]
    [InlineData(2, null, false, true)]
    [InlineData(3, null, true, true)]
    [InlineData(1, "discretionary", false, true)]
    [InlineData(2, "standard", true, true)]
    [InlineData(3, "none", false, false)]
    public void A_stage_curtails_discretionary_before_standard_and_never_essential(int stage, string? curtail, bool showerCut, bool gardenCut)
    {
        var rig = Household.Started();
        rig.Drain();
        rig.Classes();
        string fields = $"\"op\":\"stage\",\"stage\":{stage}" + (curtail is null ? "" : $",\"curtail\":\"{curtail}\"");
        Assert.Contains("\"ok\":true", rig.Command(fields));
        rig.Device.Tick();

        Assert.False(rig.Valves().IsClosed("drink"));
        Assert.Equal(showerCut, rig.Valves().IsClosed("shower"));
        Assert.Equal(gardenCut, rig.Valves().IsClosed("garden"));
        Assert.Equal(stage, rig.Device.Stage);
        if (gardenCut) Assert.Equal(CutReason.Stage, rig.Tap("garden").CutReason);
    }

    [Fact]
    public void The_policy_survives_a_reboot_and_is_enforced_from_the_first_tick()
    {
        var rig = Household.Started();
        rig.Drain();
        rig.Classes();
        rig.Command("\"op\":\"stage\",\"stage\":3");
        Flow(rig, "drink", 5 * 60_000, 60_000, 1_000);

        var after = rig.Reboot();
        after.Device.Tick();
        Assert.Equal(3, after.Device.Stage);
        Assert.Equal(UseClass.Discretionary, after.Tap("garden").UseClass);
        Assert.Equal(5_000, after.Tap("drink").AllowanceUsed);
        Assert.True(after.Valves().IsClosed("shower"));
        Assert.True(after.Valves().IsClosed("garden"));
        Assert.False(after.Valves().IsClosed("drink"));
    }

    [Fact]
    public void A_valve_open_command_does_not_lift_a_local_curtailment_but_a_close_command_adds_one()
    {
        var rig = Household.Started();
        rig.Drain();
        rig.Classes();
        rig.Command("\"op\":\"stage\",\"stage\":2");
        Assert.Contains("\"ok\":true", rig.Command("\"op\":\"valve\",\"ch\":\"garden\",\"state\":\"open\""));
        rig.Device.Tick();
        Assert.True(rig.Valves().IsClosed("garden"));

        Assert.Contains("\"ok\":true", rig.Command("\"op\":\"valve\",\"ch\":\"drink\",\"state\":\"closed\""));
        rig.Device.Tick();
        Assert.True(rig.Valves().IsClosed("drink"));
        Assert.Equal(CutReason.None, rig.Tap("drink").CutReason);
        Assert.True(rig.Tap("drink").IsCurtailed);
    }
}
