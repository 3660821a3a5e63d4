namespace Commons.Metering.Cli.Tests;

public sealed class CalibrationTests
{
    [Fact]
    public void PulseFactor_HalfLitrePerPulseMeter_Is500Over1()
    {
        // 200 pulses while 100 L ran into the calibrated vessel.
        Assert.Equal(new Rational(500, 1), Calibration.PulseFactor(200, 100_000m));
    }

    [Fact]
    public void PulseFactor_DecimalVolume_StaysExactAndReduced()
    {
        // 412 pulses for 10.3 mL: 103/4120 = 1/40 mL per pulse, no rounding.
        Assert.Equal(new Rational(1, 40), Calibration.PulseFactor(412, Calibration.ParseDecimal("10.3")));
    }

    [Fact]
    public void PulseFactor_AppliedToTheTestPulses_GivesBackTheMeasuredVolume()
    {
        var f = Calibration.PulseFactor(4_321, 98_765m);
        Assert.Equal(98_765, 4_321L * f.Numerator / f.Denominator);
    }

    [Theory]
    [InlineData(0, "10")]
    [InlineData(-5, "10")]
    [InlineData(10, "0")]
    public void PulseFactor_NonPositiveInput_Throws(long pulses, string ml) =>
        Assert.ThrowsAny<ArgumentException>(() => Calibration.PulseFactor(pulses, Calibration.ParseDecimal(ml)));

    [Fact]
    public void LoadCell_TwoPointCalibration_GivesOffsetAndGramsPerCount()
    {
        // Tare 8372 counts; a 5 kg reference reads 228372: 220000 counts for 5000 g = 1/44 g per count.
        var (offset, scale) = Calibration.LoadCell(8_372, 228_372, 5_000m);
        Assert.Equal(8_372, offset);
        Assert.Equal(new Rational(1, 44), scale);
        Assert.Equal(1_234, Calibration.Grams(8_372 + 44 * 1_234, offset, scale));
        Assert.Equal(5_000, Calibration.Grams(228_372, offset, scale));
    }

    [Fact]
    public void LoadCell_BridgeWiredReversed_GivesNegativeScaleThatStillWeighsRight()
    {
        var (offset, scale) = Calibration.LoadCell(-1_000, -21_000, 2_000m);
        Assert.Equal(new Rational(-1, 10), scale);
        Assert.Equal(500, Calibration.Grams(-6_000, offset, scale));
    }

    [Fact]
    public void LoadCell_ReferenceReadsLikeTare_Throws() =>
        Assert.Throws<ArgumentException>(() => Calibration.LoadCell(100, 100, 1_000m));

    [Fact]
    public void LoadCell_CountsOutside24BitRange_Throws() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Calibration.LoadCell(0, 0x800000, 1_000m));
}
