using CsCheck;
using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Policy;

/// <summary>The policy in flash: a power cut at any byte leaves the old or the new policy, never a
/// torn one; an unreadable policy fails safe; and, over generated command sequences, an essential
/// channel is never curtailed but by a safety trip, and stages shed discretionary first.</summary>
public class PolicyPersistenceTests
{
    private const string NewGardenPolicy =
        """{"v":1,"cid":"c-new","exp":1764249000000,"op":"allowance","ch":"garden","limit":7777,"period_s":3600,"class":"standard"}""";

    private static Rig Arrange(int extraWrites)
    {
        var rig = Household.Started(new FlashDouble(1024, 8)); // a two-block totals ring: writes cross blocks
        rig.Drain();
        rig.Classes();
        rig.Command("\"op\":\"stage\",\"stage\":2");
        for (int i = 0; i < extraWrites; i++) rig.Device.PersistNow();
        return rig;
    }

    private static void Act(Rig rig)
    {
        rig.Transport.Deliver(Household.CommandTopic, NewGardenPolicy);
        rig.Device.Tick();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void A_power_cut_at_any_byte_of_a_policy_change_leaves_the_old_or_the_new_policy_whole(int extraWrites)
    {
        var dry = Arrange(extraWrites);
        long start = dry.Flash.BytesProgrammed;
        Act(dry);
        long length = dry.Flash.BytesProgrammed - start;
        Assert.True(length > 100, $"the change programs only {length} bytes");
        int olds = 0, news = 0;
        for (long k = 0; k <= length; k++)
        {
            var rig = Arrange(extraWrites);
            rig.Flash.CutPowerAfter(k);
            try { Act(rig); } catch (PowerCutException) { }
            var after = rig.Reboot();
            var garden = after.Tap("garden").State;
            if (garden.AllowanceLimit == 20_000)
            {
                olds++;
                Assert.Equal((UseClass.Discretionary, 86_400L), (garden.UseClass, garden.AllowancePeriodS));
            }
            else
            {
                news++;
                Assert.Equal((UseClass.Standard, 7_777L, 3_600L), (garden.UseClass, garden.AllowanceLimit, garden.AllowancePeriodS));
            }
            // The rest of the policy is never touched by the cut.
            Assert.Equal(2, after.Device.Stage);
            Assert.Equal(UseClass.Essential, after.Tap("drink").UseClass);
            Assert.Equal(100_000, after.Tap("shower").State.AllowanceLimit);
        }
        Assert.True(olds > 0 && news > 0, $"old {olds}, new {news}");
    }

    [Fact]
    public void An_unreadable_policy_fails_safe_with_nothing_cut()
    {
        var rig = Household.Started();
        rig.Drain();
        rig.Classes();
        rig.Command("\"op\":\"stage\",\"stage\":3");
        rig.Command("\"op\":\"allowance\",\"ch\":\"garden\",\"limit\":0,\"period_s\":86400");
        rig.Device.Tick();
        Assert.True(rig.Valves().IsClosed("shower") && rig.Valves().IsClosed("garden"));

        // Flash rot: the first record of every totals block is unreadable (its magic byte cleared).
        for (int block = 0; block < 4; block++) rig.Flash.Write(block, 0, [0], 0, 1);
        var after = rig.Reboot();
        after.Device.Tick();

        Assert.Equal(0, after.Device.Stage);
        foreach (var name in new[] { "drink", "shower", "garden" })
        {
            Assert.False(after.Valves().IsClosed(name), name);
            Assert.Equal(UseClass.Standard, after.Tap(name).UseClass);
        }
    }

    [Fact]
    public void Generated_commands_and_use_never_cut_an_essential_tap_but_by_a_trip_and_shed_discretionary_first()
    {
        string[] taps = ["drink", "shower", "garden"];
        string[] classes = ["essential", "standard", "discretionary"];
        string?[] curtails = [null, "none", "discretionary", "standard"];
        Gen.Int[0, 1_000_000].Array[5].Array[1, 25].Sample(ops =>
        {
            var rig = Household.Started();
            rig.Drain();
            foreach (var op in ops)
            {
                string tap = taps[op[1] % 3];
                switch (op[0] % 6)
                {
                    case 0:
                        rig.Command($"\"op\":\"allowance\",\"ch\":\"{tap}\",\"limit\":{op[2] % 50_000},\"period_s\":{3600 * (1 + op[3] % 24)}"
                            + (op[4] % 4 == 3 ? "" : $",\"class\":\"{classes[op[4] % 3]}\""));
                        break;
                    case 1:
                        var curtail = curtails[op[4] % 4];
                        rig.Command($"\"op\":\"stage\",\"stage\":{op[2] % 4}" + (curtail is null ? "" : $",\"curtail\":\"{curtail}\""));
                        break;
                    case 2:
                        LocalPolicyTests.Flow(rig, tap, 60_000 * (1 + op[3] % 30), 10_000, op[2] % 3_000);
                        break;
                    case 3:
                        LocalPolicyTests.Flow(rig, tap, 3_600_000L * (1 + op[3] % 12), 600_000, 0);
                        break;
                    case 4:
                        rig.Command($"\"op\":\"safety\",\"ch\":\"{tap}\",\"leak_s\":{op[2] % 3_600},\"burst_per_min\":{op[3] * 997}");
                        break;
                    default:
                        rig.Command($"\"op\":\"reset\",\"ch\":\"{tap}\"");
                        break;
                }
                rig.Device.Tick();
                foreach (var name in taps)
                {
                    var t = rig.Tap(name);
                    if (t.UseClass == UseClass.Essential)
                    {
                        Assert.Equal(t.Trip is not null, rig.Valves().IsClosed(name));
                    }
                    if (t.CutReason == CutReason.Stage && t.UseClass == UseClass.Standard)
                    {
                        Assert.All(taps.Select(rig.Tap).Where(d => d.UseClass == UseClass.Discretionary), d => Assert.True(d.IsCurtailed));
                    }
                }
            }
        }, iter: 150);
    }
}
