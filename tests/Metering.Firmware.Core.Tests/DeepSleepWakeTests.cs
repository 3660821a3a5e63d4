using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests;

/// <summary>A battery node's wake from deep sleep is not a boot. Start(wokeFromDeepSleep)
/// keeps the boot count and queues no boot event; PrepareForDeepSleep trims the sequence-number
/// reservation so the wake continues without a gap, and never lets a number be used twice.</summary>
public class DeepSleepWakeTests
{
    private static Rig Wake(Rig rig, bool fromSleep)
    {
        rig.Flash.PowerOn();
        var next = new Rig(Rig.WaterMeter, rig.Flash, rig.Config, rig.Clock.UnixMs + 3_600_000);
        next.Device.Start(fromSleep);
        next.Drain();
        return next;
    }

    private static int BootEvents(Rig rig) => rig.Events.Count(e => e.Json.GetProperty("kind").GetString() == "boot");

    [Fact]
    public void A_wake_after_PrepareForDeepSleep_is_no_boot_and_continues_the_sequence_without_a_gap()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Drain();
        rig.Device.ReadNow();
        rig.Drain();
        long last = rig.Device.LastSeq;
        int boots = rig.Device.BootCount;
        rig.Device.PrepareForDeepSleep();

        var woken = Wake(rig, fromSleep: true);
        Assert.Equal(boots, woken.Device.BootCount);
        Assert.Equal(0, BootEvents(woken));
        Assert.Equal(last + 1, woken.Readings.First().Seq); // the wake's first reading
        Assert.Contains("\"boot\":" + boots + ",", woken.Transport.On("/up/status").Last().Text);
    }

    [Fact]
    public void A_real_reset_after_PrepareForDeepSleep_is_a_boot_and_still_reuses_no_sequence_number()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Drain();
        rig.Device.PrepareForDeepSleep();
        rig.Device.ReadNow(); // queued after the trim: reserves a new block before using a number
        long used = rig.Device.LastSeq;

        var reset = Wake(rig, fromSleep: false);
        Assert.Equal(rig.Device.BootCount + 1, reset.Device.BootCount);
        Assert.Equal(1, BootEvents(reset));
        Assert.True(reset.Events.Single().Seq > used);
    }

    [Fact]
    public void A_wake_without_preparation_is_still_no_boot_but_skips_the_rest_of_the_block()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Drain();
        long last = rig.Device.LastSeq;

        var woken = Wake(rig, fromSleep: true);
        Assert.Equal(rig.Device.BootCount, woken.Device.BootCount);
        Assert.Equal(0, BootEvents(woken));
        Assert.True(woken.Readings.First().Seq > last + 1);
    }

    [Fact]
    public void A_wake_on_empty_flash_counts_as_the_first_boot()
    {
        var rig = new Rig(Rig.WaterMeter);
        rig.Device.Start(wokeFromDeepSleep: true);
        rig.Drain();
        Assert.Equal(1, rig.Device.BootCount);
        Assert.Equal(1, BootEvents(rig));
    }
}
