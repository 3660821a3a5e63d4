using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Session;

/// <summary>Gauges on the device (docs/protocol.md, gauge): sampled by the board, summarised once per
/// reading interval, sequenced from the meter's shared sequence, kept in the outbox until confirmed.</summary>
public class GaugeUplinkTests
{
    private static void Reservoir(Rig rig)
    {
        Rig.WaterMeter(rig);
        rig.Tag = rig.Device.AddGauge("reservoir", "level_mm", "a02yyuw");
    }

    private static GaugeChannel Level(Rig rig) => (GaugeChannel)rig.Tag!;

    [Fact]
    public void One_gauge_uplink_per_interval_carries_last_min_max_mean_and_the_sample_count()
    {
        var rig = Rig.Started(Reservoir);
        rig.Drain();
        rig.Transport.Published.Clear();
        foreach (int mm in new[] { 1840, 1832, 1851, 1841 }) Level(rig).Sample(mm);

        rig.Run(60_000, 1000);
        rig.Drain();

        var gauge = Assert.Single(rig.Transport.On("/up/gauge"));
        Assert.Equal("commons/v1/valley/house-7/up/gauge", gauge.Topic);
        var g = Assert.Single(gauge.Json.GetProperty("g").EnumerateArray().ToList());
        Assert.Equal("reservoir", g.GetProperty("n").GetString());
        Assert.Equal("level_mm", g.GetProperty("q").GetString());
        Assert.Equal("a02yyuw", g.GetProperty("s").GetString());
        Assert.Equal((1841, 1832, 1851, 1841, 4), (g.GetProperty("last").GetInt32(), g.GetProperty("min").GetInt32(),
            g.GetProperty("max").GetInt32(), g.GetProperty("mean").GetInt32(), g.GetProperty("samples").GetInt32()));
        // Shared sequence: the gauge follows the reading of the same interval.
        var reading = Assert.Single(rig.Readings);
        Assert.Equal(reading.Seq + 1, gauge.Seq);
        Assert.Equal(0, Level(rig).PendingSamples);
    }

    [Fact]
    public void A_gauge_that_was_not_sampled_sends_nothing_so_silence_reaches_the_gateway()
    {
        var rig = Rig.Started(Reservoir);
        Level(rig).Sample(1500);
        rig.Run(60_000, 1000);
        rig.Drain();
        Assert.Single(rig.Transport.On("/up/gauge"));

        Level(rig).SampleFailed(); // unplugged: no frame
        rig.Run(3 * 60_000, 1000);
        rig.Drain();

        Assert.Single(rig.Transport.On("/up/gauge"));
        Assert.Equal(1, Level(rig).Failures);
        Assert.True(rig.Readings.Count() >= 4); // the readings go on
    }

    [Fact]
    public void A_negative_mean_rounds_half_away_from_zero()
    {
        var rig = Rig.Started(r => r.Tag = r.Device.AddGauge("battery_current", "current_ma", "ina219"));
        Level(rig).Sample(-1);
        Level(rig).Sample(-2);
        rig.Run(60_000, 1000);
        rig.Drain();
        var g = rig.Transport.On("/up/gauge").Single().Json.GetProperty("g")[0];
        Assert.Equal(-2, g.GetProperty("mean").GetInt32());
        Assert.Equal(-2, g.GetProperty("min").GetInt32());
    }

    [Fact]
    public void In_confirmation_mode_a_gauge_stays_until_its_seq_is_confirmed()
    {
        var rig = Rig.Started(Reservoir);
        rig.Device.Tick();
        Assert.True(rig.Confirm());
        rig.Device.Tick();
        for (int i = 0; i < 20 && rig.Device.OutboxDepth > 0; i++)
        {
            rig.Transport.AckAll();
            rig.Confirm(1, rig.Device.LastSeq);
            rig.Device.Tick();
        }
        rig.Transport.Published.Clear();
        Level(rig).Sample(900);
        rig.Run(60_000, 1000);
        for (int i = 0; i < 3; i++)
        {
            rig.Transport.AckAll();
            rig.Device.Tick();
        }
        long gaugeSeq = rig.Transport.On("/up/gauge").Single().Seq;
        long readingSeq = rig.Readings.Single().Seq;

        rig.Confirm(readingSeq, readingSeq); // the reading only
        rig.Device.Tick();
        Assert.Equal(1, rig.Device.OutboxDepth); // PUBACKed, not confirmed: the gauge stays

        rig.Run(35_000, 1000);                   // confirmation timeout: sent again
        Assert.Equal(2, rig.Transport.On("/up/gauge").Count(p => p.Seq == gaugeSeq));
        rig.Transport.AckAll();
        rig.Confirm(gaugeSeq, gaugeSeq);
        rig.Device.Tick();
        Assert.Equal(0, rig.Device.OutboxDepth);
    }

    [Fact]
    public void Gauges_queued_offline_survive_a_reboot_and_go_out_in_seq_order()
    {
        var rig = Rig.Started(Reservoir);
        rig.Transport.AcceptConnections = false;
        for (int minute = 0; minute < 3; minute++)
        {
            Level(rig).Sample(1000 + minute);
            rig.Run(60_000, 1000);
        }
        var after = rig.Reboot();
        after.Drain();

        var gauges = after.Transport.On("/up/gauge").ToList();
        Assert.Equal(new[] { 1000, 1001, 1002 }, gauges.Select(p => p.Json.GetProperty("g")[0].GetProperty("last").GetInt32()));
        long[] all = after.Transport.Published.Where(p => !p.Retain && !p.Topic.EndsWith("/up/ack")).Select(p => p.Seq).ToArray();
        Assert.Equal(all.Order(), all);
        Assert.Equal(all.Distinct().Count(), all.Length);
    }

    [Fact]
    public void A_full_outbox_thins_gauges_but_keeps_the_newest_and_every_event()
    {
        var config = Rig.NewConfig();
        config.OutboxCapacity = 24;
        var rig = Rig.Started(Reservoir, config: config);
        rig.Transport.AcceptConnections = false;
        rig.Device.RaiseEvent("tamper", null, "lid open");
        for (int minute = 0; minute < 60; minute++)
        {
            Level(rig).Sample(minute);
            rig.Run(60_000, 60_000);
        }
        rig.Transport.AcceptConnections = true;
        rig.Drain();

        Assert.Contains(rig.Events, e => e.Json.GetProperty("kind").GetString() == "tamper");
        Assert.Contains(rig.Events, e => e.Json.GetProperty("kind").GetString() == "outbox_thinned");
        var lasts = rig.Transport.On("/up/gauge").Select(p => p.Json.GetProperty("g")[0].GetProperty("last").GetInt32()).ToList();
        Assert.Equal(59, lasts[^1]);
        Assert.True(lasts.Count < 60);
    }

    [Fact]
    public void Gauge_names_quantities_and_sensors_are_checked()
    {
        var rig = new Rig(Rig.WaterMeter);
        Assert.Throws<ArgumentException>(() => rig.Device.AddGauge("Reservoir", "level_mm", "a02yyuw"));
        Assert.Throws<ArgumentException>(() => rig.Device.AddGauge("reservoir", "level_cm", "a02yyuw"));
        Assert.Throws<ArgumentException>(() => rig.Device.AddGauge("reservoir", "level_mm", "hcsr04"));
        rig.Device.AddGauge("reservoir", "level_mm", "a02yyuw");
        Assert.Throws<ArgumentException>(() => rig.Device.AddGauge("reservoir", "pressure_pa", "ads1115"));
        rig.Device.Start();
        Assert.Throws<InvalidOperationException>(() => rig.Device.AddGauge("well", "pressure_pa", "ads1115"));
    }
}
