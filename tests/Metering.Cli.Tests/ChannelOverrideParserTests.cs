namespace Commons.Metering.Cli.Tests;

public sealed class ChannelOverrideParserTests
{
    [Fact]
    public void PulseCalibration_TakesTheFactorOfCalibratePulse()
    {
        var o = ChannelOverrideParser.Parse("main=1/40");
        Assert.Equal("main", o.Name);
        Assert.Equal((1L, 40L), ChannelOverrideParser.PulseFactor(o));
    }

    [Fact]
    public void LoadCellCalibration_TakesOffsetAndScaleOfCalibrateLoadcell()
    {
        var o = ChannelOverrideParser.Parse("load=8372:-1/44");
        Assert.Equal((8372L, -1L, 44L), ChannelOverrideParser.LoadCell(o));
    }

    [Fact]
    public void NameWithoutCalibration_IsRefused_TheChannelsComeFromThePinMap()
    {
        var e = Assert.Throws<FormatException>(() => ChannelOverrideParser.Parse("main"));
        Assert.Contains("NAME=UNITS/PULSES", e.Message);
    }

    [Theory]
    [InlineData("Main=1/2")]
    [InlineData("main=")]
    public void BadSpec_IsRefused(string spec) => Assert.Throws<FormatException>(() => ChannelOverrideParser.Parse(spec));

    [Theory]
    [InlineData("main=1000")]
    [InlineData("main=0/1")]
    [InlineData("main=1/0")]
    [InlineData("main=-1/2")]
    public void BadPulseFactor_IsRefused(string spec) => Assert.Throws<FormatException>(() => ChannelOverrideParser.PulseFactor(ChannelOverrideParser.Parse(spec)));

    [Theory]
    [InlineData("load=1/2")]
    [InlineData("load=x:1/2")]
    [InlineData("load=0:1/0")]
    public void BadLoadCellCalibration_IsRefused(string spec) => Assert.Throws<FormatException>(() => ChannelOverrideParser.LoadCell(ChannelOverrideParser.Parse(spec)));

    [Fact]
    public void SameChannelTwice_IsRefused() => Assert.Throws<FormatException>(() => ChannelOverrideParser.ParseAll(["a=1/1", "a=2/1"]));
}
