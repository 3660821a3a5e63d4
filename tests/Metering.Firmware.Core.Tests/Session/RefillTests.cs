using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Session;

/// <summary>Refill (docs/protocol.md, refill): confirmed records stay in the flash window, and a gateway
/// restored from a backup gets every one after its newest seq again, unchanged.</summary>
public class RefillTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output = output;

    private static (Rig Rig, ConfirmingGateway Gateway) Confirming(FlashDouble? flash = null)
    {
        var config = Rig.NewConfig();
        config.MaxInflight = 4;
        var rig = Rig.Started(Rig.WaterMeter, flash, config);
        var gateway = new ConfirmingGateway();
        gateway.Attach(rig);
        gateway.Serve();
        Assert.True(rig.Device.WaitsForConfirmation);
        return (rig, gateway);
    }

    [Fact]
    public void A_restored_gateway_gets_every_confirmed_record_after_its_newest_seq_again_unchanged()
    {
        var (rig, gateway) = Confirming();
        gateway.Minutes(60);
        long restoredTo = gateway.Ledger.Keys.Max();
        gateway.Minutes(60);
        long newest = rig.Device.LastSeq;
        var lost = gateway.Ledger.Keys.Where(s => s > restoredTo).ToArray();
        Assert.Equal(60, lost.Length);
        Assert.Equal(0, rig.Device.OutboxDepth);

        gateway.Restore(restoredTo);
        Assert.True(gateway.AskRefill(restoredTo, "r-1"));
        gateway.ServeUntilRefilled("r-1");

        Assert.Equal(lost, gateway.Ledger.Keys.Where(s => s > restoredTo && s <= newest).ToArray());
        Assert.Empty(gateway.Changed); // same seq, ts and register as the first time
        Assert.Equal(60, rig.Device.RefilledRecords);
        Assert.False(rig.Device.Refilling);
        long lastRegister = Rig.RegisterOf(rig.Readings.Last(), "main");
        Assert.Equal(rig.WaterChannel.Register, lastRegister);
    }

    [Fact]
    public void A_refill_sent_again_is_acknowledged_again_without_sending_the_window_twice()
    {
        var (rig, gateway) = Confirming();
        gateway.Minutes(10);
        long restoredTo = gateway.Ledger.Keys.Max() - 5;
        gateway.AskRefill(restoredTo, "r-1");
        gateway.ServeUntilRefilled("r-1");
        int refilled = rig.Device.RefilledRecords;
        Assert.Equal(5, refilled);

        gateway.AskRefill(restoredTo, "r-1"); // the gateway lost the ack and resends the same cid
        gateway.ServeUntilRefilled("r-1");
        Assert.Equal(refilled, rig.Device.RefilledRecords);
        Assert.Equal(2, rig.Acks.Count(a => a.Json.GetProperty("cid").GetString() == "r-1"));
    }

    [Fact]
    public void A_refill_with_nothing_after_its_seq_is_acknowledged_at_once()
    {
        var (rig, gateway) = Confirming();
        gateway.Minutes(3);
        gateway.AskRefill(rig.Device.LastSeq, "r-1");
        gateway.ServeUntilRefilled("r-1", maxRounds: 3);
        Assert.Equal(0, rig.Device.RefilledRecords);
    }

    /// <summary>The figure firmware/Metering.Firmware.Core/README.md documents: on the default 64 KB
    /// store (two outbox halves of 24 KB), one water channel read every 60 s, the window holds at least
    /// the last 120 readings (2 hours; 140 measured), whatever the moment the gateway asks.</summary>
    [Fact]
    public void At_the_default_reading_interval_the_window_holds_at_least_two_hours()
    {
        int least = int.MaxValue;
        int most = 0;
        // Ask at moments spread over the compaction cycle (about 8 hours of readings per half).
        for (int minutes = 600; minutes <= 1200; minutes += 75)
        {
            var (rig, gateway) = Confirming();
            gateway.Minutes(minutes);
            long newest = rig.Device.LastSeq;
            gateway.Restore(0);
            gateway.AskRefill(0, "r-1");
            gateway.ServeUntilRefilled("r-1", maxRounds: 20_000);
            var back = gateway.Ledger.Keys.Where(s => s <= newest).ToArray();
            var holes = Enumerable.Range(1, (int)newest).Where(s => !gateway.Ledger.ContainsKey(s)).ToArray();
            Assert.True(holes.Length == 0 || holes.Max() < back.Min() + holes.Length, $"minutes {minutes}: newest {newest}, back {back.Length}, holes {holes.Length} from {holes.FirstOrDefault()} to {holes.LastOrDefault()}");
            // The window is the newest records without a hole.
            Assert.Equal(Enumerable.Range((int)(newest - back.Length + 1), back.Length).Select(s => (long)s), back);
            least = Math.Min(least, back.Length);
            most = Math.Max(most, back.Length);
        }
        Assert.True(least >= 120, $"window of {least} readings");
        Assert.True(most > least, "the window grows between compactions");
        _output.WriteLine($"window: {least} to {most} readings");
    }

    [Fact]
    public void A_reboot_while_old_records_are_appended_again_recovers_the_newest_register_not_the_last_written()
    {
        var (rig, gateway) = Confirming();
        for (int i = 0; i < 20; i++)
        {
            rig.WaterChannel.AddPulses(450);
            rig.Device.ReadNow(); // no time passes: the totals are not written again
        }
        for (int i = 0; i < 20; i++)
            gateway.Serve();
        Assert.Equal(0, rig.Device.OutboxDepth);
        long register = rig.WaterChannel.Register;

        gateway.AskRefill(0, "r-1");
        rig.Device.Tick(); // the oldest records are appended again, after the newest reading
        Assert.True(rig.Device.Refilling);

        var after = rig.Reboot();
        Assert.Equal(register, after.WaterChannel.Register);
    }
}
