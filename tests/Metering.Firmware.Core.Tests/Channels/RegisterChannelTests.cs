using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Channels;

public class RegisterChannelTests
{
    [Fact]
    public void Sampled_register_is_published_as_is_including_a_decrease()
    {
        var rig = Rig.Started(Rig.EnergyMeter);
        rig.EnergyChannel.Sample(5_321_000);
        rig.Device.ReadNow();
        rig.EnergyChannel.Sample(12); // meter swapped
        rig.Device.ReadNow();
        rig.Drain();

        var registers = rig.Readings.Select(r => Rig.RegisterOf(r, "grid_import")).ToArray();
        Assert.Equal([5_321_000L, 12L], registers[..2]);
    }

    [Fact]
    public void Negative_samples_are_refused()
    {
        var rig = Rig.Started(Rig.EnergyMeter);
        Assert.Throws<ArgumentOutOfRangeException>(() => rig.EnergyChannel.Sample(-1));
    }
}
