using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Storage;

public class OutboxTests
{
    private static DeviceConfig Capacity(int records)
    {
        var config = Rig.NewConfig();
        config.OutboxCapacity = records;
        config.ReconnectMaxMs = 2_000; // back online quickly after the long offline spell
        return config;
    }

    /// <summary>What the gateway computes: usage is the sum of register increases over the
    /// readings of a channel in seq order from the commissioning baseline 0 (docs/protocol.md).</summary>
    private static long GatewayUsage(Rig rig, string channel)
    {
        long usage = 0;
        long last = 0;
        foreach (var r in rig.Readings.OrderBy(r => r.Seq))
        {
            long reg = Rig.RegisterOf(r, channel);
            usage += Math.Max(0, reg - last);
            last = reg;
        }
        return usage;
    }

    [Fact]
    public void Pending_records_survive_a_reboot_and_are_sent_in_their_order()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.Transport.AcceptConnections = false;
        for (int i = 0; i < 10; i++)
        {
            rig.WaterChannel.AddPulses(450);
            rig.Device.ReadNow();
        }

        var after = rig.Reboot();
        Assert.Equal(12, after.Device.OutboxDepth); // two boot events + ten readings
        after.Drain();

        var readings = after.Readings.Select(r => Rig.RegisterOf(r, "main")).ToArray();
        Assert.Equal(Enumerable.Range(1, 10).Select(l => l * 1000L).Append(10_000), readings);
        long[] seqs = after.Transport.Published.Where(p => !p.Retain).Select(p => p.Seq).ToArray();
        Assert.Equal(seqs.Order(), seqs);
    }

    [Fact]
    public void Full_outbox_thins_old_readings_keeps_the_newest_and_the_gateway_loses_no_usage()
    {
        var rig = Rig.Started(Rig.WaterMeter, config: Capacity(16));
        rig.Transport.AcceptConnections = false;
        var random = new Random(11);
        for (int minute = 0; minute < 300; minute++)
        {
            rig.WaterChannel.AddPulses(random.Next(0, 2000));
            rig.Clock.Advance(60_000);
            rig.Device.Tick();
            Assert.True(rig.Device.OutboxDepth <= 16);
        }
        long register = rig.WaterChannel.Register;

        rig.Transport.AcceptConnections = true;
        rig.Drain();

        Assert.Equal(register, GatewayUsage(rig, "main"));
        Assert.Equal(register, Rig.RegisterOf(rig.Readings.Last(), "main"));
        Assert.True(rig.Readings.Count() <= 16);
        var thinned = rig.Events.Where(e => e.Json.GetProperty("kind").GetString() == "outbox_thinned").ToList();
        Assert.NotEmpty(thinned);
        // Every reading taken is either published or counted in an outbox_thinned event.
        long dropped = thinned.Sum(e => long.Parse(e.Json.GetProperty("detail").GetString()!["dropped ".Length..]));
        Assert.Equal(300, rig.Readings.Count() + dropped);
    }

    [Fact]
    public void Thinning_never_drops_events_or_forest_bookings()
    {
        var rig = Rig.Started(r => { Rig.ForestScale(r); Rig.WaterMeter(r); }, config: Capacity(24));
        rig.Transport.AcceptConnections = false;
        for (int minute = 0; minute < 200; minute++)
        {
            if (minute % 20 == 0)
            {
                rig.Device.BookLoad(rig.HarvestChannel, 250_000, "P-2026-0" + minute / 20);
            }
            if (minute % 50 == 0)
            {
                rig.Device.RaiseEvent("leak", "main", "flow " + minute + " min");
            }
            rig.WaterChannel.AddPulses(450);
            rig.Clock.Advance(60_000);
            rig.Device.Tick();
        }

        rig.Transport.AcceptConnections = true;
        rig.Drain();

        var permits = rig.Readings.Where(r => r.Json.TryGetProperty("permit", out _)).ToList();
        Assert.Equal(10, permits.Count);
        Assert.Equal(Enumerable.Range(1, 10).Select(i => i * 250_000L), permits.Select(p => Rig.RegisterOf(p, "harvest")));
        Assert.Equal(4, rig.Events.Count(e => e.Json.GetProperty("kind").GetString() == "leak"));
        Assert.Equal(1, rig.Events.Count(e => e.Json.GetProperty("kind").GetString() == "boot"));
        Assert.Equal(rig.WaterChannel.Register, Rig.RegisterOf(rig.Readings.Last(r => !r.Json.TryGetProperty("permit", out _)), "main"));
    }

    [Fact]
    public void Readings_on_both_sides_of_a_register_decrease_are_never_thinned()
    {
        var rig = Rig.Started(Rig.EnergyMeter, config: Capacity(12));
        rig.Transport.AcceptConnections = false;
        long register = 1_000;
        for (int minute = 0; minute < 100; minute++)
        {
            register = minute == 30 ? 7 : register + 100; // meter swapped at minute 30
            rig.EnergyChannel.Sample(register);
            rig.Clock.Advance(60_000);
            rig.Device.Tick();
        }

        rig.Transport.AcceptConnections = true;
        rig.Drain();

        var registers = rig.Readings.OrderBy(r => r.Seq).Select(r => Rig.RegisterOf(r, "grid_import")).ToList();
        Assert.Contains(4_000L, registers); // the last reading of the old meter
        Assert.Contains(7L, registers);     // the first reading of the new one
        Assert.Equal(registers.IndexOf(4_000) + 1, registers.IndexOf(7));
        long usage = 0;
        for (int i = 1; i < registers.Count; i++)
        {
            usage += Math.Max(0, registers[i] - registers[i - 1]);
        }
        Assert.Equal(4_000 - registers[0] + (register - 7), usage);
    }

    [Fact]
    public void Register_published_after_the_last_totals_record_is_not_lost_by_a_reboot()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.WaterChannel.AddPulses(4500);
        rig.Device.PersistNow();            // totals: 10 L
        rig.WaterChannel.AddPulses(900);    // 12 L, published and acknowledged, never persisted as totals
        rig.Device.ReadNow();
        rig.Drain();
        Assert.Equal(0, rig.Device.OutboxDepth);

        var after = rig.Reboot();
        Assert.Equal(12_000, after.WaterChannel.Register);
    }

    [Fact]
    public void Register_never_goes_back_after_many_compactions_and_a_reboot()
    {
        var rig = Rig.Started(Rig.WaterMeter, new FlashDouble(1024, 8));
        long lastPublished = 0;
        for (int minute = 0; minute < 400; minute++)
        {
            rig.WaterChannel.AddPulses(450);
            rig.Clock.Advance(60_000);
            rig.Device.Tick();
            rig.Transport.AckAll();
            rig.Device.Tick();
            lastPublished = Rig.RegisterOf(rig.Readings.Last(), "main");
        }
        Assert.True(rig.Flash.EraseCounts[2..].Sum() > 10, "compactions happened");

        var after = rig.Reboot();
        Assert.True(after.WaterChannel.Register >= lastPublished);
        Assert.True(after.WaterChannel.Register <= rig.WaterChannel.Register);
    }
}
