using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests;

public class ClockAndSequenceTests
{
    [Fact]
    public void Seq_never_repeats_and_grows_across_many_reboots_and_power_cuts()
    {
        var random = new Random(5);
        var rig = Rig.Started(Rig.WaterMeter, new FlashDouble(1024, 8));
        var payloadBySeq = new Dictionary<long, string>();
        long highestBeforeBoot = 0;
        for (int boot = 0; boot < 150; boot++)
        {
            rig.Flash.CutPowerAfter(random.Next(0, 3000));
            try
            {
                for (int step = 0; step < 40; step++)
                {
                    rig.WaterChannel.AddPulses(random.Next(0, 500));
                    rig.Clock.Advance(random.Next(1_000, 90_000));
                    rig.Device.Tick();
                    if (random.Next(3) > 0) { rig.Transport.AckAll(); }
                    if (random.Next(10) == 0) { rig.Transport.DropConnection(); }
                }
            }
            catch (PowerCutException)
            {
            }
            long[] seqs = rig.Transport.Published.Where(p => !p.Retain).Select(p => p.Seq).ToArray();
            foreach (var p in rig.Transport.Published.Where(p => !p.Retain))
            {
                // A seq names one uplink: sent again after a reboot it is the same payload.
                Assert.Equal(payloadBySeq.GetValueOrDefault(p.Seq, p.Text), p.Text);
                payloadBySeq[p.Seq] = p.Text;
            }
            long[] fresh = seqs.Where(s => s > highestBeforeBoot).ToArray();
            Assert.Equal(fresh.Order(), fresh);
            Assert.True(seqs.Where(s => s <= highestBeforeBoot).All(payloadBySeq.ContainsKey));
            highestBeforeBoot = Math.Max(highestBeforeBoot, rig.Device.LastSeq);
            rig = rig.Reboot(random.Next(0, 600_000));
            Assert.True(rig.Device.LastSeq >= highestBeforeBoot, "a reboot never goes back");
        }
        Assert.True(payloadBySeq.Count > 1_000);
    }

    [Fact]
    public void A_reboot_skips_ahead_to_past_the_reserved_block()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Device.ReadNow();
        long used = rig.Device.LastSeq;

        var after = rig.Reboot();
        after.Drain();
        long first = after.Transport.Published.Where(p => !p.Retain && p.Seq > used).Min(p => p.Seq);
        Assert.Equal(Limits.SeqReserveBlock + 1, first); // the whole reserved block is skipped
        Assert.Equal(2, after.Transport.Published.Count(p => !p.Retain && p.Seq <= used)); // resent as they were
    }

    [Fact]
    public void A_reflashed_device_starts_above_its_seq_floor_and_a_device_already_past_it_keeps_its_own()
    {
        // Erased flash (a reflash): without the floor the first reading would be seq 1, 'late' at the gateway.
        var config = Rig.NewConfig();
        config.SeqFloor = 48_211;
        var reflashed = Rig.Started(Rig.WaterMeter, config: config);
        reflashed.Device.ReadNow();
        reflashed.Drain();
        Assert.Equal(48_212, reflashed.Transport.Published.Where(p => !p.Retain).Min(p => p.Seq));

        // A floor below what the flash holds changes nothing: a sequence never goes back.
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Device.ReadNow();
        long used = rig.Device.LastSeq;
        rig.Config.SeqFloor = 10;
        var after = rig.Reboot();
        after.Device.ReadNow();
        after.Drain();
        Assert.Equal(Limits.SeqReserveBlock + 1, after.Transport.Published.Where(p => !p.Retain && p.Seq > used).Min(p => p.Seq));
    }

    [Fact]
    public void A_seq_floor_beyond_two_to_the_53_is_refused()
    {
        var config = Rig.NewConfig();
        config.SeqFloor = Limits.MaxSeqFloor + 1;
        Assert.Throws<ArgumentException>(() => Rig.Started(Rig.WaterMeter, config: config));
    }

    [Fact]
    public void Timestamps_strictly_increase_even_when_the_clock_stands_still_or_steps_back()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        for (int i = 0; i < 5; i++)
        {
            rig.Device.ReadNow();
        }
        rig.Clock.UnixMs -= 3_600_000; // SNTP correction backwards
        rig.Device.ReadNow();
        rig.Drain();

        long[] ts = rig.Transport.Published.Where(p => !p.Retain).Select(p => p.Json.GetProperty("ts").GetInt64()).ToArray();
        Assert.Equal(8, ts.Length);
        for (int i = 1; i < ts.Length; i++)
        {
            Assert.True(ts[i] > ts[i - 1], $"ts {ts[i]} after {ts[i - 1]}");
        }
    }

    [Fact]
    public void Timestamps_keep_increasing_across_a_reboot_with_a_clock_behind()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Drain();
        long last = rig.Transport.Published.Where(p => !p.Retain).Max(p => p.Json.GetProperty("ts").GetInt64());

        var after = rig.Reboot();
        after.Clock.UnixMs = Rig.Epoch - 86_400_000; // RTC came back a day behind
        after.Drain();
        Assert.All(after.Transport.Published.Where(p => !p.Retain), p => Assert.True(p.Json.GetProperty("ts").GetInt64() > last));
    }

    [Fact]
    public void Nothing_is_stamped_before_the_clock_is_set_then_boot_is_back_dated_and_the_first_reading_has_the_full_register()
    {
        var rig = Rig.Started(Rig.WaterMeter, unixMs: 0);
        rig.WaterChannel.AddPulses(900);
        rig.Run(5 * 60_000, 1_000); // five reading intervals without a clock
        rig.WaterChannel.AddPulses(450);
        Assert.DoesNotContain(rig.Transport.Published, p => !p.Retain);
        Assert.DoesNotContain("\"ts\"", rig.Transport.Published.Single(p => p.Retain).Text);

        rig.Clock.UnixMs = Rig.Epoch;
        rig.Drain();

        var uplinks = rig.Transport.Published.Where(p => !p.Retain).ToList();
        Assert.Equal(2, uplinks.Count);
        Assert.Equal("boot", uplinks[0].Json.GetProperty("kind").GetString());
        Assert.Equal(Rig.Epoch - 5 * 60_000, uplinks[0].Json.GetProperty("ts").GetInt64()); // when it booted
        Assert.Equal(3000, Rig.RegisterOf(uplinks[1], "main"));
    }

    [Fact]
    public void Load_booked_before_the_clock_is_set_keeps_its_grams_through_a_power_cut_and_its_permit_otherwise()
    {
        var rig = Rig.Started(Rig.ForestScale, unixMs: 0);
        rig.Clock.Advance(30_000);
        rig.Device.BookLoad(rig.HarvestChannel, 1_254_300, "P-2026-017");

        var cut = new Rig(Rig.ForestScale, rig.Flash.Clone(), unixMs: Rig.Epoch);
        cut.Device.Start();
        Assert.Equal(1_254_300, cut.HarvestChannel.Register); // grams persisted at once

        rig.Clock.Advance(30_000);
        rig.Clock.UnixMs = Rig.Epoch;
        rig.Drain();
        var booking = rig.Readings.Single(r => r.Json.TryGetProperty("permit", out _));
        Assert.Equal("P-2026-017", booking.Json.GetProperty("permit").GetString());
        Assert.Equal(1_254_300, Rig.RegisterOf(booking, "harvest"));
        Assert.Equal(Rig.Epoch - 30_000, booking.Json.GetProperty("ts").GetInt64());
    }

    [Fact]
    public void Booked_load_is_published_with_its_permit_as_a_reading_of_that_channel()
    {
        var rig = Rig.Started(r => { Rig.ForestScale(r); Rig.WaterMeter(r); });
        rig.Device.BookLoad(rig.HarvestChannel, 1_254_300, "P-2026-017");
        rig.Drain();

        var booking = rig.Readings.Single(r => r.Json.TryGetProperty("permit", out _));
        Assert.Matches("""^\{"v":1,"seq":\d+,"ts":\d+,"ch":\[\{"n":"harvest","u":"g","reg":1254300\}\],"permit":"P-2026-017"\}$""", booking.Text);
        Assert.Throws<ArgumentException>(() => rig.Device.BookLoad(rig.HarvestChannel, 1, "bad permit"));
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.Device.BookLoad(rig.HarvestChannel, 0, "P-1"));
    }
}
