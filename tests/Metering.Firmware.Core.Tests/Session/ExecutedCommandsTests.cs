using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Session;
using Commons.Metering.Firmware.Storage;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Session;

/// <summary>The at-most-once memory of command ids on its own; MeterDevice's use of it is in
/// CommandExecutionTests and PowerCutTests.</summary>
public class ExecutedCommandsTests
{
    [Fact]
    public void Keeps_the_last_eight_cids_with_their_results_and_forgets_the_oldest_first()
    {
        var executed = new ExecutedCommands();
        for (int i = 1; i <= Limits.RememberedCids + 1; i++)
        {
            executed.Remember("c" + i, (byte)(i % 5));
        }

        Assert.Equal(Limits.RememberedCids, executed.Count);
        Assert.Equal(-1, executed.IndexOf("c1"));
        Assert.Equal(0, executed.IndexOf("c2"));
        Assert.Equal(Limits.RememberedCids - 1, executed.IndexOf("c9"));
        for (int i = 2; i <= Limits.RememberedCids + 1; i++)
        {
            Assert.Equal((byte)(i % 5), executed.ResultAt(executed.IndexOf("c" + i)));
        }
    }

    [Fact]
    public void A_result_set_after_the_command_ran_replaces_the_remembered_one()
    {
        var executed = new ExecutedCommands();
        executed.Remember("a", AckReason.None);
        executed.Remember("b", AckReason.None);

        executed.SetResult(executed.IndexOf("b"), AckReason.BadField);

        Assert.Equal(AckReason.None, executed.ResultAt(executed.IndexOf("a")));
        Assert.Equal(AckReason.BadField, executed.ResultAt(executed.IndexOf("b")));
    }

    [Fact]
    public void Survives_a_totals_record_written_to_flash_and_recovered()
    {
        var flash = new FlashDouble(1024, 4);
        var executed = new ExecutedCommands();
        executed.Remember("first", AckReason.None);
        executed.Remember("second", AckReason.Expired);
        var written = new TotalsState();
        executed.SaveTo(written);
        new TotalsRing(flash, 0, 2).Write(written);

        var recovered = new TotalsState();
        Assert.True(new TotalsRing(flash, 0, 2).Recover(recovered));
        var restored = new ExecutedCommands();
        restored.Remember("stale", AckReason.None);
        restored.RestoreFrom(recovered);

        Assert.Equal(2, restored.Count);
        Assert.Equal(-1, restored.IndexOf("stale"));
        Assert.Equal(AckReason.None, restored.ResultAt(restored.IndexOf("first")));
        Assert.Equal(AckReason.Expired, restored.ResultAt(restored.IndexOf("second")));
    }

    [Fact]
    public void Without_a_totals_record_nothing_is_remembered()
    {
        var executed = new ExecutedCommands();
        executed.Remember("a", AckReason.None);

        executed.RestoreFrom(null);

        Assert.Equal(0, executed.Count);
        Assert.Equal(-1, executed.IndexOf("a"));
    }
}
