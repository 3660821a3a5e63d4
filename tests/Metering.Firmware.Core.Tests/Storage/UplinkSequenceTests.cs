using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Tests.Storage;

/// <summary>Sequence numbers and timestamps on their own; the device's use of them (a reservation
/// in flash before use, across reboots and deep sleep) is in ClockAndSequenceTests and PowerCutTests.</summary>
public class UplinkSequenceTests
{
    [Fact]
    public void A_number_is_given_only_from_a_reserved_block_and_a_restart_skips_the_rest_of_it()
    {
        var seq = new UplinkSequence();
        seq.Restore(41, 0);
        Assert.True(seq.NeedsReservation);
        Assert.Equal(41 + Limits.SeqReserveBlock, seq.NextReservation);

        seq.Reserved(seq.NextReservation);
        var taken = new List<long>();
        while (!seq.NeedsReservation)
        {
            taken.Add(seq.Take());
        }

        Assert.Equal(Enumerable.Range(42, (int)Limits.SeqReserveBlock).Select(n => (long)n), taken);
        Assert.Equal(41 + Limits.SeqReserveBlock, seq.LastUsed);

        var afterRestart = new UplinkSequence();
        afterRestart.Restore(seq.ReservedThrough, 0); // what the totals record holds
        afterRestart.Reserved(afterRestart.NextReservation);
        Assert.Equal(seq.LastUsed + 1, afterRestart.Take());
    }

    [Fact]
    public void Timestamps_strictly_increase_when_the_clock_stands_still_or_steps_back()
    {
        var seq = new UplinkSequence();
        seq.Restore(0, 1_000);

        Assert.Equal(1_001, seq.NextTs(500));   // behind the recovered one
        Assert.Equal(5_000, seq.NextTs(5_000));
        Assert.Equal(5_001, seq.NextTs(5_000)); // standing still
        Assert.Equal(5_002, seq.NextTs(4_000)); // stepped back
        Assert.Equal(5_002, seq.LastTsMs);
    }
}
