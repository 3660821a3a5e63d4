using CsCheck;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Channels;

public class PulseChannelTests
{
    [Fact]
    public void Calibration_keeps_the_remainder_so_450_pulses_make_exactly_one_litre()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        var water = rig.WaterChannel;

        water.AddPulses(449);
        Assert.Equal(997, water.Register); // 449 * 1000 / 450 = 997.78 mL: 0.78 kept as remainder

        water.AddPulses(1);
        Assert.Equal(1000, water.Register);

        water.AddPulses(450 * 1000);
        Assert.Equal(1_001_000, water.Register);
    }

    [Fact]
    public void Register_is_exact_however_the_pulses_are_split()
    {
        Gen.Int[1, 2000].Array[1, 40].Sample(chunks =>
        {
            var rig = Rig.Started(r => r.Water = r.Device.AddPulseChannel("main", "mL", 1000, 450, 0));
            foreach (int chunk in chunks)
            {
                rig.WaterChannel.AddPulses(chunk);
            }
            long total = chunks.Sum(c => (long)c);
            return rig.WaterChannel.Register == total * 1000 / 450;
        }, iter: 50);
    }

    [Fact]
    public void Edges_closer_than_the_debounce_to_the_last_accepted_edge_are_ignored()
    {
        var rig = Rig.Started(r => r.Water = r.Device.AddPulseChannel("s0", "Wh", 1, 1, 50));
        var meter = rig.WaterChannel;

        meter.OnEdge(1000); // accepted
        meter.OnEdge(1010); // bounce
        meter.OnEdge(1049); // bounce: 49 ms after the accepted edge
        meter.OnEdge(1050); // accepted: 50 ms after
        meter.OnEdge(1080); // bounce: measured from 1050, not from the ignored 1049
        meter.OnEdge(1100); // accepted

        Assert.Equal(3, meter.Register);
    }

    [Fact]
    public void Negative_pulse_counts_are_refused()
    {
        var rig = Rig.Started(Rig.WaterMeter);
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.WaterChannel.AddPulses(-1));
    }

    [Fact]
    public void Pulses_from_many_threads_are_all_counted()
    {
        var rig = Rig.Started(r => r.Water = r.Device.AddPulseChannel("s0", "Wh", 1, 1, 0));
        Parallel.For(0, 8, _ =>
        {
            for (int i = 0; i < 10_000; i++)
            {
                rig.WaterChannel.AddPulses(1);
            }
        });
        Assert.Equal(80_000, rig.WaterChannel.Register);
    }

    [Theory]
    [InlineData("Main", "mL")]
    [InlineData("main", "L")]
    [InlineData("", "mL")]
    [InlineData("a-b", "mL")]
    public void Channel_names_and_units_outside_the_protocol_are_refused(string name, string unit)
    {
        var rig = new Rig(_ => { });
        Assert.Throws<ArgumentException>(() => rig.Device.AddPulseChannel(name, unit, 1, 1, 0));
    }

    [Fact]
    public void Channels_whose_reading_could_exceed_1024_bytes_are_refused()
    {
        var rig = new Rig(_ => { });
        var act = () =>
        {
            for (int i = 0; i < 16; i++)
            {
                rig.Device.AddRegisterChannel("circuit_with_a_long_name_" + i.ToString("D3"), "Wh");
            }
        };
        Assert.Throws<InvalidOperationException>(act);
    }
}
