using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Storage;

/// <summary>Power cut after the k-th programmed byte of an operation, for every k, then reboot:
/// the register recovered is never below what was persisted (or published) and never above what
/// was counted, no acknowledged-pending record is lost, and no sequence number is used twice.</summary>
public class PowerCutTests
{
    /// <summary>Small flash so that the outbox halves fill quickly: 8 blocks of 1 KB.</summary>
    private static FlashDouble SmallFlash() => new(1024, 8);

    private sealed record Outcome(Rig Before, Rig After, bool Completed);

    /// <summary>Replays <paramref name="arrange"/> on fresh flash for every cut position of
    /// <paramref name="act"/>; returns each outcome after a reboot.</summary>
    private static List<Outcome> ForEveryCut(Func<Rig> arrange, Action<Rig> act)
    {
        var dry = arrange();
        long start = dry.Flash.BytesProgrammed;
        act(dry);
        long length = dry.Flash.BytesProgrammed - start;
        Assert.True(length > 0, "the operation programs no flash");

        var outcomes = new List<Outcome>();
        for (long k = 0; k <= length; k++)
        {
            var rig = arrange();
            rig.Flash.CutPowerAfter(k);
            bool completed = true;
            try { act(rig); } catch (PowerCutException) { completed = false; }
            Assert.Equal(k == length, completed);
            outcomes.Add(new Outcome(rig, rig.Reboot(), completed));
        }
        return outcomes;
    }

    private static Rig OfflineWater()
    {
        var rig = Rig.Started(Rig.WaterMeter, SmallFlash());
        rig.Transport.AcceptConnections = false;
        return rig;
    }

    [Fact]
    public void Cut_during_a_totals_write_never_loses_persisted_usage_nor_counts_a_pulse_twice()
    {
        var outcomes = ForEveryCut(
            () =>
            {
                var rig = OfflineWater();
                rig.WaterChannel.AddPulses(4500); // 10 L
                rig.Device.PersistNow();
                rig.WaterChannel.AddPulses(900);  // 2 L more, not yet persisted
                return rig;
            },
            rig => rig.Device.PersistNow());

        foreach (var o in outcomes)
        {
            long register = o.After.WaterChannel.Register;
            Assert.InRange(register, 10_000, 12_000);
            Assert.Equal(o.Completed ? 12_000 : 10_000, register);
        }
    }

    [Fact]
    public void Cut_during_the_totals_write_that_moves_to_a_new_block_never_loses_usage()
    {
        // Find the persist that has to erase the next ring block.
        int persists = 0;
        var probe = OfflineWater();
        int erases = probe.Flash.EraseCounts.Sum();
        while (probe.Flash.EraseCounts.Sum() == erases)
        {
            probe.WaterChannel.AddPulses(450);
            probe.Device.PersistNow();
            persists++;
        }

        var outcomes = ForEveryCut(
            () =>
            {
                var rig = OfflineWater();
                for (int i = 0; i < persists - 1; i++)
                {
                    rig.WaterChannel.AddPulses(450);
                    rig.Device.PersistNow();
                }
                rig.WaterChannel.AddPulses(450);
                return rig;
            },
            rig => rig.Device.PersistNow());

        foreach (var o in outcomes)
        {
            long expected = (o.Completed ? persists : persists - 1) * 1000L;
            Assert.Equal(expected, o.After.WaterChannel.Register);
            // The ring keeps working after the cut.
            o.After.WaterChannel.AddPulses(450);
            o.After.Device.PersistNow();
            Assert.Equal(expected + 1000, o.After.Reboot().WaterChannel.Register);
        }
    }

    [Fact]
    public void Cut_while_a_reading_is_queued_keeps_every_complete_record_and_never_reuses_a_seq()
    {
        var outcomes = ForEveryCut(
            () =>
            {
                var rig = OfflineWater();
                rig.Run(3 * 60_000, 60_000);       // three readings pending
                rig.WaterChannel.AddPulses(4500);
                return rig;
            },
            rig => rig.Device.ReadNow());

        foreach (var o in outcomes)
        {
            var after = o.After;
            after.Transport.AcceptConnections = true;
            after.Drain();
            var readings = after.Readings.ToList();
            long[] seqs = readings.Select(r => r.Seq).ToArray();
            Assert.Equal(seqs.Distinct().Count(), seqs.Length);
            Assert.Equal(seqs.Order(), seqs);
            // The three earlier readings are there; the cut one (and the 10 L it carried, never
            // persisted otherwise) only if its record was complete.
            Assert.True(readings.Count(r => Rig.RegisterOf(r, "main") == 0) >= 3);
            long withTenLitres = readings.Count(r => Rig.RegisterOf(r, "main") == 10_000);
            Assert.Equal(o.Completed ? 2 : 0, withTenLitres); // the record + the first reading after reboot
            Assert.True(o.Before.Transport.Published.Count == 0);
            Assert.Equal(o.Completed ? 10_000 : 0, after.WaterChannel.Register);
        }
    }

    [Fact]
    public void Cut_while_a_gauge_is_queued_keeps_every_complete_record_and_never_reuses_a_seq()
    {
        var outcomes = ForEveryCut(
            () =>
            {
                var rig = Rig.Started(r => { Rig.WaterMeter(r); r.Tag = r.Device.AddGauge("reservoir", "level_mm", "a02yyuw"); }, SmallFlash());
                rig.Transport.AcceptConnections = false;
                for (int minute = 0; minute < 3; minute++)
                {
                    ((GaugeChannel)rig.Tag!).Sample(1000 + minute);
                    rig.Run(60_000, 60_000);         // three readings and three gauges pending
                }
                ((GaugeChannel)rig.Tag!).Sample(2000);
                return rig;
            },
            rig => rig.Device.ReadNow());           // the reading, then the gauge of 2000 mm

        foreach (var o in outcomes)
        {
            var after = o.After;
            after.Transport.AcceptConnections = true;
            after.Drain();
            long[] seqs = after.Transport.Published.Where(p => !p.Retain).Select(p => p.Seq).ToArray();
            Assert.Equal(seqs.Distinct().Count(), seqs.Length);
            Assert.Equal(seqs.Order(), seqs);
            var lasts = after.Transport.On("/up/gauge").Select(p => p.Json.GetProperty("g")[0].GetProperty("last").GetInt32()).ToList();
            // The three earlier gauges always; the cut one only if its record was complete (a gauge
            // lives in RAM until its record is written: a cut before loses that interval's summary).
            Assert.Equal(new[] { 1000, 1001, 1002 }, lasts.Take(3));
            Assert.True(lasts.Count == 3 || (lasts.Count == 4 && lasts[3] == 2000), string.Join(",", lasts));
            if (o.Completed) Assert.Equal(4, lasts.Count);
        }
    }

    [Fact]
    public void Cut_during_compaction_loses_no_pending_record_and_no_published_register()
    {
        Rig Arrange()
        {
            var rig = Rig.Started(Rig.WaterMeter, SmallFlash());
            // Online: readings are published and acknowledged, filling the half with removed records.
            for (int i = 0; i < 60; i++)
            {
                rig.WaterChannel.AddPulses(450);
                rig.Clock.Advance(60_000);
                rig.Device.Tick();
                rig.Transport.AckAll();
                rig.Device.Tick();
            }
            rig.Transport.DropConnection();
            rig.Transport.AcceptConnections = false;
            for (int i = 0; i < 4; i++)
            {
                rig.WaterChannel.AddPulses(450);
                rig.Clock.Advance(60_000);
                rig.Device.Tick();
            }
            return rig;
        }

        // Queue readings until one triggers a compaction; cut that one at every byte.
        var probe = Arrange();
        int before = probe.Flash.EraseCounts.Sum();
        int extra = 0;
        while (probe.Flash.EraseCounts.Sum() == before)
        {
            probe.WaterChannel.AddPulses(450);
            probe.Device.ReadNow();
            extra++;
        }
        Rig ArrangeAll()
        {
            var rig = Arrange();
            for (int i = 0; i < extra - 1; i++)
            {
                rig.WaterChannel.AddPulses(450);
                rig.Device.ReadNow();
            }
            rig.WaterChannel.AddPulses(450);
            return rig;
        }
        long publishedMax = 60_000;
        long pendingCount = 4 + (extra - 1);

        var outcomes = ForEveryCut(ArrangeAll, rig => rig.Device.ReadNow());
        Assert.True(outcomes.Count > 100);
        foreach (var o in outcomes)
        {
            var after = o.After;
            Assert.True(after.WaterChannel.Register >= publishedMax);
            after.Transport.AcceptConnections = true;
            after.Drain();
            var registers = after.Readings.Select(r => Rig.RegisterOf(r, "main")).ToList();
            // Every pending register 61..(64 + extra - 1) L reaches the gateway.
            for (long litres = 61; litres <= 60 + pendingCount; litres++)
            {
                Assert.Contains(litres * 1000, registers);
            }
            long[] seqs = after.Readings.Select(r => r.Seq).ToArray();
            Assert.Equal(seqs.Order(), seqs);
        }
    }

    [Fact]
    public void Cut_during_compaction_of_an_acknowledged_outbox_never_moves_a_register_back()
    {
        static void Minute(Rig rig)
        {
            rig.WaterChannel.AddPulses(450);
            rig.Clock.Advance(60_000);
            rig.Device.Tick();
            rig.Transport.AckAll();
            rig.Device.Tick();
            rig.Transport.AckAll();
            rig.Device.Tick();
        }

        // Online, everything acknowledged: the minute whose reading compacts the outbox.
        var probe = Rig.Started(Rig.WaterMeter, SmallFlash());
        int minutes = 0;
        int before = probe.Flash.EraseCounts[2..].Sum();
        while (probe.Flash.EraseCounts[2..].Sum() == before)
        {
            Minute(probe);
            minutes++;
        }
        Rig Arrange()
        {
            var rig = Rig.Started(Rig.WaterMeter, SmallFlash());
            for (int i = 0; i < minutes - 1; i++)
            {
                Minute(rig);
            }
            Assert.Equal(0, rig.Device.OutboxDepth);
            rig.WaterChannel.AddPulses(450);
            rig.Clock.Advance(60_000);
            return rig;
        }

        var outcomes = ForEveryCut(Arrange, rig => rig.Device.Tick());
        foreach (var o in outcomes)
        {
            long published = Rig.RegisterOf(o.Before.Readings.Last(), "main");
            Assert.InRange(o.After.WaterChannel.Register, published, o.Before.WaterChannel.Register);
        }
    }

    [Fact]
    public void Cut_during_an_acknowledgement_flag_write_at_worst_sends_the_record_again()
    {
        var outcomes = ForEveryCut(
            () =>
            {
                var rig = Rig.Started(Rig.WaterMeter, SmallFlash());
                rig.WaterChannel.AddPulses(4500);
                rig.Device.Tick(); // boot event published
                rig.Transport.AckAll();
                rig.Device.Tick(); // reading published
                return rig;
            },
            rig =>
            {
                rig.Transport.AckAll();
                rig.Device.Tick();
            });

        foreach (var o in outcomes)
        {
            var after = o.After;
            after.Drain();
            int resent = after.Readings.Count(r => Rig.RegisterOf(r, "main") == 10_000 && r.Seq == o.Before.Readings.Last().Seq);
            Assert.Equal(o.Completed ? 0 : 1, resent);
        }
    }

    /// <summary>A device on small flash that has learnt its gateway confirms, with three readings
    /// acknowledged by the broker (PUBACK) and not yet confirmed.</summary>
    private static Rig ConfirmingWithThreeUnconfirmed()
    {
        var config = Rig.NewConfig();
        config.MaxInflight = 4;
        var rig = Rig.Started(Rig.WaterMeter, SmallFlash(), config);
        rig.Device.Tick();
        rig.Confirm();
        for (int i = 0; i < 20 && rig.Device.OutboxDepth > 0; i++)
        {
            rig.Transport.AckAll();
            rig.Confirm(1, rig.Device.LastSeq);
            rig.Device.Tick();
        }
        Assert.True(rig.Device.WaitsForConfirmation);
        rig.Transport.Published.Clear();
        for (int i = 1; i <= 3; i++)
        {
            rig.WaterChannel.AddPulses(450);
            rig.Device.ReadNow();
        }
        rig.Device.Tick();
        rig.Transport.AckAll();
        rig.Device.Tick();
        Assert.Equal(3, rig.Device.OutboxDepth);
        return rig;
    }

    /// <summary>After a reboot: connects, then acknowledges and confirms everything it sends.</summary>
    private static List<long> SentAfterReboot(Rig after)
    {
        for (int i = 0; i < 50 && (after.Device.OutboxDepth > 0 || i == 0); i++)
        {
            after.Clock.Advance(100);
            after.Device.Tick();
            after.Transport.AckAll();
            after.Confirm(1, Math.Max(1, after.Device.LastSeq));
            after.Device.Tick();
        }
        Assert.Equal(0, after.Device.OutboxDepth);
        return after.SentSeqs.ToList();
    }

    [Fact]
    public void Cut_while_a_confirmation_removes_records_never_loses_an_unconfirmed_one()
    {
        var outcomes = ForEveryCut(ConfirmingWithThreeUnconfirmed, rig =>
        {
            long[] sent = rig.SentSeqs.ToArray();
            rig.Confirm(sent[0], sent[1]);
            rig.Device.Tick();
        });
        foreach (var o in outcomes)
        {
            long[] before = o.Before.SentSeqs.Take(3).ToArray();
            Assert.True(o.After.Device.WaitsForConfirmation);
            var resent = SentAfterReboot(o.After);
            Assert.Contains(before[2], resent); // never confirmed: always sent again
            if (o.Completed)
            {
                Assert.DoesNotContain(before[0], resent);
                Assert.DoesNotContain(before[1], resent);
            }
            Assert.Equal(resent.Distinct().Count(), resent.Count);
        }
    }

    [Fact]
    public void Cut_while_the_first_confirmation_switches_the_mode_keeps_every_record_and_the_old_or_new_mode()
    {
        var outcomes = ForEveryCut(
            () =>
            {
                var rig = Rig.Started(Rig.WaterMeter, SmallFlash());
                rig.Transport.AcceptConnections = true;
                rig.Device.Tick(); // connected; boot event in flight, first reading queued
                return rig;
            },
            rig =>
            {
                rig.Confirm();
                rig.Device.Tick();
            });
        foreach (var o in outcomes)
        {
            Assert.Equal(o.Completed, o.After.Device.WaitsForConfirmation);
            Assert.Equal(2, o.After.Device.OutboxDepth - 1); // boot event and reading kept, plus the new boot event
        }
    }

    /// <summary>A confirming device on small flash, an hour of readings confirmed, then a gateway
    /// restored to the seq of minute 50 asks for a refill. The operation cut is the whole refill: the
    /// command, its copies (and the compaction before them), their publishing and confirmation, the ack.</summary>
    private static (Rig Rig, ConfirmingGateway Gateway, long RestoredTo) RestoredGateway()
    {
        var config = Rig.NewConfig();
        config.MaxInflight = 4;
        var rig = Rig.Started(Rig.WaterMeter, SmallFlash(), config);
        var gateway = new ConfirmingGateway();
        gateway.Attach(rig);
        gateway.Serve();
        gateway.Minutes(50);
        long restoredTo = gateway.Ledger.Keys.Max();
        gateway.Minutes(10);
        gateway.Restore(restoredTo);
        return (rig, gateway, restoredTo);
    }

    [Fact]
    public void Cut_at_every_byte_of_a_refill_loses_no_record_of_the_window()
    {
        // The uncut refill: what the window gives back.
        var (dry, dryGateway, restoredTo) = RestoredGateway();
        long newest = dry.Device.LastSeq;
        dryGateway.AskRefill(restoredTo, "r-1");
        dryGateway.ServeUntilRefilled("r-1");
        var window = dryGateway.Ledger.Keys.Where(s => s > restoredTo && s <= newest).ToArray();
        Assert.True(window.Length >= 5, $"a window of {window.Length}");

        var gateways = new List<(ConfirmingGateway Gateway, long Newest)>();
        var outcomes = ForEveryCut(
            () =>
            {
                var (rig, gateway, _) = RestoredGateway();
                gateways.Add((gateway, rig.Device.LastSeq));
                return rig;
            },
            rig =>
            {
                var gateway = gateways[^1].Gateway;
                gateway.AskRefill(restoredTo, "r-1");
                gateway.ServeUntilRefilled("r-1");
            });
        Assert.True(outcomes.Count > 100);
        for (int k = 0; k < outcomes.Count; k++)
        {
            var o = outcomes[k];
            var (gateway, before) = gateways[k + 1]; // gateways[0] served the dry run inside ForEveryCut
            Assert.Equal(newest, before);
            gateway.Attach(o.After);
            // The gateway sends its command again until the device answers it.
            if (!gateway.Acked("r-1"))
                gateway.AskRefill(restoredTo, "r-1");
            gateway.ServeUntilRefilled("r-1");
            Assert.Equal(window, gateway.Ledger.Keys.Where(s => s > restoredTo && s <= newest).ToArray());
            Assert.Empty(gateway.Changed);
        }
    }
}
