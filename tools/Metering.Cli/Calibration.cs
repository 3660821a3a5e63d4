using System.Globalization;
using System.Numerics;

namespace Commons.Metering.Cli;

/// <summary>A positive-denominator fraction in lowest terms: calibration factors stay exact, as the
/// firmware core takes them (MeterDevice.AddPulseChannel(name, unit, unitsNumerator, pulsesDenominator, ...)).</summary>
internal readonly record struct Rational(long Numerator, long Denominator)
{
    public static Rational Of(BigInteger numerator, BigInteger denominator)
    {
        if (denominator.IsZero) throw new DivideByZeroException();
        if (denominator.Sign < 0) (numerator, denominator) = (-numerator, -denominator);
        var g = BigInteger.GreatestCommonDivisor(numerator, denominator);
        if (!g.IsZero && !g.IsOne) (numerator, denominator) = (numerator / g, denominator / g);
        if (BigInteger.Abs(numerator) > long.MaxValue || denominator > long.MaxValue)
            throw new OverflowException("the factor does not fit 64-bit integers");
        return new((long)numerator, (long)denominator);
    }

    public double Value => (double)Numerator / Denominator;

    public override string ToString() => $"{Numerator}/{Denominator}";
}

/// <summary>The arithmetic behind `metering calibrate`.</summary>
internal static class Calibration
{
    /// <summary>HX711 data are 24-bit two's complement, 0x800000..0x7FFFFF (HX711 datasheet,
    /// Avia Semiconductor, "Serial Interface").</summary>
    public const int Hx711MinCounts = -0x800000;
    public const int Hx711MaxCounts = 0x7FFFFF;

    /// <summary>Volume per pulse from a test: N pulses counted while V millilitres ran through the
    /// meter (measured with a calibrated vessel). Exact: V given as a decimal becomes a fraction.</summary>
    public static Rational PulseFactor(long pulses, decimal measuredMl)
    {
        if (pulses <= 0) throw new ArgumentOutOfRangeException(nameof(pulses), "the pulse count must be positive");
        if (measuredMl <= 0) throw new ArgumentOutOfRangeException(nameof(measuredMl), "the measured volume must be positive");
        var (num, den) = Exact(measuredMl);
        return Rational.Of(num, den * pulses);
    }

    /// <summary>Two-point calibration of a load cell on an HX711: with nothing on the scale it reads
    /// A counts (the tare, i.e. the offset), with a reference of G grams it reads B counts; the
    /// bridge is linear, so grams = (counts - A) * G / (B - A). Returns the offset and the scale in
    /// grams per count as an exact fraction.</summary>
    public static (long OffsetCounts, Rational GramsPerCount) LoadCell(long tareCounts, long referenceCounts, decimal referenceGrams)
    {
        CheckCounts(tareCounts, nameof(tareCounts));
        CheckCounts(referenceCounts, nameof(referenceCounts));
        if (referenceGrams <= 0) throw new ArgumentOutOfRangeException(nameof(referenceGrams), "the reference weight must be positive");
        if (referenceCounts == tareCounts)
            throw new ArgumentException("the reference reads the same as the tare: check the wiring or use a heavier reference");
        var (num, den) = Exact(referenceGrams);
        return (tareCounts, Rational.Of(num, den * (referenceCounts - tareCounts)));
    }

    /// <summary>Grams for a raw reading with a calibration (rounded toward zero, as integer firmware would).</summary>
    public static long Grams(long counts, long offsetCounts, Rational gramsPerCount) =>
        (long)((BigInteger)(counts - offsetCounts) * gramsPerCount.Numerator / gramsPerCount.Denominator);

    public static decimal ParseDecimal(string s) => decimal.Parse(s, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    private static void CheckCounts(long counts, string name)
    {
        if (counts is < Hx711MinCounts or > Hx711MaxCounts)
            throw new ArgumentOutOfRangeException(name, $"an HX711 reading lies between {Hx711MinCounts} and {Hx711MaxCounts}");
    }

    private static (BigInteger Numerator, BigInteger Denominator) Exact(decimal d)
    {
        var scale = d.Scale;
        var bits = decimal.GetBits(d);
        var mantissa = new BigInteger((uint)bits[0]) | (new BigInteger((uint)bits[1]) << 32) | (new BigInteger((uint)bits[2]) << 64);
        return (d < 0 ? -mantissa : mantissa, BigInteger.Pow(10, scale));
    }
}
