using Commons.Metering.Firmware.Storage;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Storage;

public class TotalsRingTests
{
    private static TotalsRing Ring(FlashDouble flash) => new(flash, 0, 4);

    private static TotalsState State(long register, int cids = 0)
    {
        var s = new TotalsState { SeqReservedThrough = register * 3, LastTsMs = register * 7, BootCount = 2, ChannelCount = 2 };
        s.Hashes[0] = 0xA1; s.Registers[0] = register; s.Remainders[0] = register % 450;
        s.Hashes[1] = 0xB2; s.Registers[1] = register * 2;
        for (int i = 0; i < cids; i++)
        {
            s.Cids[i] = "c-" + i;
            s.CidResults[i] = (byte)(i % 4);
        }
        s.CidCount = cids;
        return s;
    }

    private static long Recovered(FlashDouble flash)
    {
        var s = new TotalsState();
        Assert.True(Ring(flash).Recover(s));
        Assert.Equal(s.Registers[0] * 2, s.Registers[1]); // never a mix of two records
        Assert.Equal(s.Registers[0] * 3, s.SeqReservedThrough);
        return s.Registers[0];
    }

    [Fact]
    public void Empty_flash_has_no_totals()
    {
        Assert.False(Ring(new FlashDouble(1024, 8)).Recover(new TotalsState()));
    }

    [Fact]
    public void Recovery_finds_the_newest_record_among_all_blocks()
    {
        var flash = new FlashDouble(1024, 8);
        var ring = Ring(flash);
        ring.Recover(new TotalsState());
        for (long r = 1; r <= 500; r++)
        {
            ring.Write(State(r, cids: (int)(r % 9)));
        }

        var s = new TotalsState();
        Assert.True(Ring(flash).Recover(s));
        Assert.Equal(500, s.Registers[0]);
        Assert.Equal(500 % 9, s.CidCount);
        Assert.Equal("c-4", s.Cids[4]);
    }

    [Fact]
    public void Power_cut_at_any_byte_of_a_write_leaves_the_previous_or_the_new_record_and_writing_goes_on()
    {
        var template = new FlashDouble(1024, 8);
        var ring = Ring(template);
        ring.Recover(new TotalsState());
        ring.Write(State(0));
        int writes = 0;
        // Every position of a block is exercised, including the write that moves to a new block.
        for (long r = 1; r <= 40; r++)
        {
            var flash = template.Clone();
            long before = flash.BytesProgrammed;
            var probe = Ring(flash);
            probe.Recover(new TotalsState());
            probe.Write(State(r));
            long length = flash.BytesProgrammed - before;

            for (long k = 0; k <= length; k++)
            {
                var cut = template.Clone();
                var victim = Ring(cut);
                victim.Recover(new TotalsState());
                cut.CutPowerAfter(k);
                bool completed = true;
                try { victim.Write(State(r)); } catch (PowerCutException) { completed = false; }
                cut.PowerOn();

                long recovered = Recovered(cut);
                Assert.Equal(completed ? r : r - 1, recovered);

                var after = Ring(cut);
                after.Recover(new TotalsState());
                after.Write(State(r + 1000));
                Assert.Equal(r + 1000, Recovered(cut));
                writes++;
            }
            ring.Write(State(r));
        }
        Assert.True(writes > 40 * 50);
    }

    [Fact]
    public void Writes_are_spread_evenly_over_the_ring_blocks()
    {
        var flash = new FlashDouble(1024, 8);
        var ring = Ring(flash);
        ring.Recover(new TotalsState());
        for (long r = 1; r <= 20_000; r++)
        {
            ring.Write(State(r));
        }

        int[] ringErases = flash.EraseCounts[..4];
        Assert.All(ringErases, e => Assert.True(e > 300, $"erases {string.Join(",", ringErases)}"));
        Assert.True(ringErases.Max() - ringErases.Min() <= 1, $"erases {string.Join(",", ringErases)}");
        Assert.All(flash.EraseCounts[4..], e => Assert.Equal(0, e));
    }

    [Fact]
    public void Garbage_in_a_block_is_ignored()
    {
        var flash = new FlashDouble(1024, 8);
        var ring = Ring(flash);
        ring.Recover(new TotalsState());
        for (long r = 1; r <= 5; r++)
        {
            ring.Write(State(r));
        }
        byte[] noise = new byte[1024];
        new Random(3).NextBytes(noise);
        noise[0] = 0x5A; // looks like a record start
        flash.Erase(2);
        flash.Write(2, 0, noise, 0, noise.Length);

        Assert.Equal(5, Recovered(flash));
    }
}
