namespace Commons.Metering.Cli.Tests;

public sealed class ChannelSpecTests
{
    [Fact]
    public void PulseCalibration_TakesTheFactorOfCalibratePulse()
    {
        var o = ChannelSpec.Parse("main=1/40");
        Assert.Equal("main", o.Name);
        Assert.Equal((1L, 40L), ChannelSpec.PulseFactor(o));
    }

    [Fact]
    public void LoadCellCalibration_TakesOffsetAndScaleOfCalibrateLoadcell()
    {
        var o = ChannelSpec.Parse("load=8372:-1/44");
        Assert.Equal((8372L, -1L, 44L), ChannelSpec.LoadCell(o));
    }

    [Fact]
    public void NameWithoutCalibration_IsRefused_TheChannelsComeFromThePinMap()
    {
        var e = Assert.Throws<FormatException>(() => ChannelSpec.Parse("main"));
        Assert.Contains("NAME=UNITS/PULSES", e.Message);
    }

    [Theory]
    [InlineData("Main=1/2")]
    [InlineData("main=")]
    public void BadSpec_IsRefused(string spec) => Assert.Throws<FormatException>(() => ChannelSpec.Parse(spec));

    [Theory]
    [InlineData("main=1000")]
    [InlineData("main=0/1")]
    [InlineData("main=1/0")]
    [InlineData("main=-1/2")]
    public void BadPulseFactor_IsRefused(string spec) => Assert.Throws<FormatException>(() => ChannelSpec.PulseFactor(ChannelSpec.Parse(spec)));

    [Theory]
    [InlineData("load=1/2")]
    [InlineData("load=x:1/2")]
    [InlineData("load=0:1/0")]
    public void BadLoadCellCalibration_IsRefused(string spec) => Assert.Throws<FormatException>(() => ChannelSpec.LoadCell(ChannelSpec.Parse(spec)));

    [Fact]
    public void SameChannelTwice_IsRefused() => Assert.Throws<FormatException>(() => ChannelSpec.ParseAll(["a=1/1", "a=2/1"]));
}
