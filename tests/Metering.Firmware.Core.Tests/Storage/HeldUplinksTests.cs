using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Tests.Storage;

/// <summary>The RAM queue of uplinks built before the clock is set, on its own; the device's use of
/// it is in ClockAndSequenceTests.</summary>
public class HeldUplinksTests
{
    [Fact]
    public void Holds_a_copy_of_each_record_in_order_with_its_flags_and_uptime()
    {
        var held = new HeldUplinks();
        byte[] buffer = new byte[OutboxRecord.MaxBytes];
        buffer[0] = 11;
        buffer[1] = 12;
        held.Hold(buffer, 2, 3, 1500);
        buffer[0] = 21; // the device reuses its record buffer for the next one
        held.Hold(buffer, 1, 0, 2500);

        Assert.Equal(2, held.Count);
        Assert.Equal(new byte[] { 11, 12 }, held.RecordAt(0)[..held.LengthAt(0)]);
        Assert.Equal(3, held.FlagsAt(0));
        Assert.Equal(1500, held.UptimeMsAt(0));
        Assert.Equal(new byte[] { 21 }, held.RecordAt(1)[..held.LengthAt(1)]);
        Assert.Equal(0, held.FlagsAt(1));
        Assert.Equal(2500, held.UptimeMsAt(1));

        held.Clear();
        Assert.Equal(0, held.Count);
        Assert.False(held.IsFull);
    }

    [Fact]
    public void Is_full_after_eight_and_refuses_a_ninth_with_a_clear_error()
    {
        var held = new HeldUplinks();
        byte[] record = new byte[OutboxRecord.MaxBytes];
        for (int i = 0; i < Limits.HeldUplinks; i++)
        {
            Assert.False(held.IsFull);
            held.Hold(record, OutboxRecord.MaxBytes, 0, i);
        }

        Assert.True(held.IsFull);
        var e = Assert.Throws<InvalidOperationException>(() => held.Hold(record, 1, 0, 9));
        Assert.Contains("held uplinks are full", e.Message);
    }

    [Fact]
    public void Holding_and_clearing_allocate_nothing()
    {
        var held = new HeldUplinks();
        byte[] record = new byte[OutboxRecord.MaxBytes];
        held.Hold(record, 10, 0, 0); // JIT and first-call work outside the measurement
        held.Clear();

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 100; round++)
        {
            for (int i = 0; i < Limits.HeldUplinks; i++)
            {
                held.Hold(record, 40, 1, i);
            }
            held.Clear();
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
