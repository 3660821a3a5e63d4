using Commons.Metering.Firmware.Host.Platform;

namespace Commons.Metering.Firmware.Host.Sensors;

/// <summary>A simulated household's use through the day: a daily total spread over the local
/// hours by measured shares, with per-call noise. <see cref="Usage"/> integrates the rate over
/// any interval, so the result does not depend on how often it is asked.</summary>
public sealed class DiurnalProfile
{
    private const long MsPerHour = 3_600_000;

    /// <summary>Share of a day's water per local hour (hour starting at the index): measured on
    /// the DAIAD trial A file (89 households, March-May 2017) from the per-row changes; peaks
    /// 07-10 and 19-21.</summary>
    public static readonly double[] DaiadWaterShares =
    [
        0.0175, 0.0093, 0.0073, 0.0072, 0.0051, 0.0065, 0.0402, 0.0619, 0.0554, 0.0575, 0.0627, 0.0553,
        0.0517, 0.0470, 0.0487, 0.0436, 0.0414, 0.0402, 0.0512, 0.0679, 0.0731, 0.0587, 0.0488, 0.0418,
    ];

    /// <summary>Share of a day's grid import per local (CET) hour: measured on the six OPSD
    /// homes' grid_import registers; evening peak 16-21.</summary>
    public static readonly double[] OpsdEnergyShares =
    [
        0.0331, 0.0300, 0.0287, 0.0288, 0.0322, 0.0388, 0.0437, 0.0377, 0.0335, 0.0319, 0.0345, 0.0370,
        0.0355, 0.0333, 0.0363, 0.0415, 0.0670, 0.0571, 0.0592, 0.0619, 0.0593, 0.0544, 0.0467, 0.0380,
    ];

    /// <summary>Mean water use per household per day, litres: DAIAD trial A, 89 households
    /// (the datasets README's median is about 231).</summary>
    public const double DaiadLitresPerDay = 225;

    /// <summary>Mean grid import per home per day, Wh: the six OPSD homes, first to last register.</summary>
    public const double OpsdWhPerDay = 9_900;

    private readonly double[] _ratePerMs; // units per ms, per local hour
    private readonly int _utcOffsetHours;
    private readonly double _noise;
    private readonly SeededRandom _random;

    /// <param name="hourlyShares">24 non-negative weights (normalised here).</param>
    /// <param name="perDay">Units per day on average (mL, Wh).</param>
    /// <param name="noise">Each call's usage is scaled by a uniform factor in [1-noise, 1+noise].</param>
    public DiurnalProfile(double[] hourlyShares, double perDay, SeededRandom random, int utcOffsetHours = 0, double noise = 0.5)
    {
        if (hourlyShares.Length != 24 || hourlyShares.Any(s => s < 0) || hourlyShares.Sum() <= 0)
            throw new ArgumentException("24 non-negative hourly shares with a positive sum", nameof(hourlyShares));
        ArgumentOutOfRangeException.ThrowIfNegative(perDay);
        if (noise is < 0 or > 1) throw new ArgumentOutOfRangeException(nameof(noise), noise, "0..1");
        var sum = hourlyShares.Sum();
        _ratePerMs = hourlyShares.Select(s => perDay * s / sum / MsPerHour).ToArray();
        _random = random;
        _utcOffsetHours = utcOffsetHours;
        _noise = noise;
    }

    public static DiurnalProfile Water(SeededRandom random, double scale = 1) =>
        new(DaiadWaterShares, DaiadLitresPerDay * 1000 * scale, random, utcOffsetHours: 1);

    public static DiurnalProfile Energy(SeededRandom random, double scale = 1) =>
        new(OpsdEnergyShares, OpsdWhPerDay * scale, random, utcOffsetHours: 1);

    /// <summary>Units used in [fromUnixMs, toUnixMs); 0 for an empty or backward interval.</summary>
    public double Usage(long fromUnixMs, long toUnixMs)
    {
        if (toUnixMs <= fromUnixMs) return 0;
        double total = 0;
        var t = fromUnixMs;
        while (t < toUnixMs)
        {
            var local = t + _utcOffsetHours * MsPerHour;
            var hourEnd = t + (MsPerHour - Mod(local, MsPerHour));
            var end = Math.Min(hourEnd, toUnixMs);
            total += _ratePerMs[(int)(Mod(local, 24 * MsPerHour) / MsPerHour)] * (end - t);
            t = end;
        }
        var factor = 1 - _noise + 2 * _noise * _random.NextDouble();
        return total * factor;
    }

    private static long Mod(long a, long m) => ((a % m) + m) % m;
}

/// <summary>Carries the fractions a sensor cannot count yet: usage in units in, whole pulses out.</summary>
public sealed class PulseAccumulator
{
    private readonly double _unitsPerPulse;
    private double _pending;

    public PulseAccumulator(double unitsPerPulse)
    {
        if (!(unitsPerPulse > 0)) throw new ArgumentOutOfRangeException(nameof(unitsPerPulse));
        _unitsPerPulse = unitsPerPulse;
    }

    public long Add(double units)
    {
        _pending += units / _unitsPerPulse;
        var whole = (long)Math.Floor(_pending);
        _pending -= whole;
        return whole;
    }
}
