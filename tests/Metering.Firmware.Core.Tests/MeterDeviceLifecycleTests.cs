using Commons.Metering.Firmware;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests;

public class MeterDeviceLifecycleTests
{
    [Theory]
    [InlineData("Valley", "house-7")]
    [InlineData("valley", "house/7")]
    [InlineData("valley", "")]
    [InlineData("-valley", "house-7")]
    public void Ids_outside_the_topic_alphabet_are_refused(string community, string meter)
    {
        var config = new DeviceConfig { Community = community, MeterId = meter };
        var clock = new ManualClock(Rig.Epoch);
        Assert.Throws<ArgumentException>(() =>
            new MeterDevice(config, clock, new FlashDouble(), new FakeTransport(clock), new SeededRandom(1)));
    }

    [Fact]
    public void Inconsistent_limits_are_refused()
    {
        var clock = new ManualClock(Rig.Epoch);
        foreach (var config in new[]
        {
            new DeviceConfig { Community = "v", MeterId = "m", MaxInflight = 0 },
            new DeviceConfig { Community = "v", MeterId = "m", OutboxCapacity = 4 },
            new DeviceConfig { Community = "v", MeterId = "m", ReconnectMinMs = 5000, ReconnectMaxMs = 1000 },
            new DeviceConfig { Community = "v", MeterId = "m", ReadingIntervalMs = 0 },
            new DeviceConfig { Community = "v", MeterId = "m", FirmwareVersion = "1.0\"" },
        })
        {
            Assert.Throws<ArgumentException>(() =>
                new MeterDevice(config, clock, new FlashDouble(), new FakeTransport(clock), new SeededRandom(1)));
        }
    }

    [Fact]
    public void Device_must_be_started_once_after_its_channels_are_added()
    {
        var rig = new Rig(_ => { });
        Assert.Throws<InvalidOperationException>(() => rig.Device.Tick());
        Assert.Throws<InvalidOperationException>(() => rig.Device.Start()); // no channel yet
        Rig.WaterMeter(rig);
        rig.Device.Start();
        Assert.Throws<InvalidOperationException>(() => rig.Device.Start());
        Assert.Throws<InvalidOperationException>(() => rig.Device.AddRegisterChannel("late", "Wh"));
    }

    [Fact]
    public void Block_store_smaller_than_the_layout_needs_is_refused_at_start()
    {
        var rig = new Rig(Rig.WaterMeter, new FlashDouble(512, 16));
        Assert.Throws<ArgumentException>(() => rig.Device.Start());
    }

    [Fact]
    public void Boot_count_grows_by_one_per_start_and_is_reported_in_the_status()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        for (int i = 0; i < 4; i++)
        {
            rig = rig.Reboot();
        }
        rig.Device.Tick();
        Assert.Equal(5, rig.Device.BootCount);
        Assert.Equal(5, rig.Transport.Published.Single(p => p.Retain).Json.GetProperty("boot").GetInt32());
    }

    [Fact]
    public void Pulses_counted_before_start_are_added_to_the_recovered_register()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        rig.WaterChannel.AddPulses(4500);
        rig.Device.PersistNow();

        rig.Flash.PowerOn();
        var next = new Rig(Rig.WaterMeter, rig.Flash, unixMs: rig.Clock.UnixMs);
        next.WaterChannel.AddPulses(450); // an interrupt fired before Start
        next.Device.Start();
        Assert.Equal(11_000, next.WaterChannel.Register);
    }

    [Fact]
    public void Registers_follow_their_channel_by_name_when_channels_are_reordered_or_added()
    {
        var rig = Rig.Started(r => { Rig.WaterMeter(r); Rig.EnergyMeter(r); });
        rig.WaterChannel.AddPulses(4500);
        rig.EnergyChannel.Sample(777);
        rig.Device.PersistNow();

        rig.Flash.PowerOn();
        var next = new Rig(r =>
        {
            r.Harvest = r.Device.AddAccumulatorChannel("harvest", "g");
            Rig.EnergyMeter(r);
            Rig.WaterMeter(r);
        }, rig.Flash, unixMs: rig.Clock.UnixMs);
        next.Device.Start();

        Assert.Equal(10_000, next.WaterChannel.Register);
        Assert.Equal(777, next.EnergyChannel.Register);
        Assert.Equal(0, next.HarvestChannel.Register);
    }
}
