using Commons.Metering.Firmware.Host.Platform;

namespace Commons.Metering.Firmware.Host.Sensors;

/// <summary>Firewood loads weighed at a community scale: loads arrive at random (a Poisson
/// process) during daylight hours, each between a minimum and maximum weight.</summary>
public sealed class ForestLoadProfile
{
    private const long MsPerHour = 3_600_000;

    /// <summary>Daylight hours when the scale is staffed (local, start inclusive, end exclusive).</summary>
    public const int OpenHour = 7, CloseHour = 18;

    /// <summary>One 10-40 kg load about every 3.5 days: about 7 kg of firewood per household
    /// per day, an assumption within the 1-2 kg per person per day fuelwood surveys commonly report.</summary>
    public const double DefaultLoadsPerDay = 0.28;

    private readonly double _loadsPerOpenMs;
    private readonly long _minGrams;
    private readonly long _maxGrams;
    private readonly int _utcOffsetHours;
    private readonly SeededRandom _random;

    /// <param name="loadsPerDay">Mean loads per day (<see cref="DefaultLoadsPerDay"/>).</param>
    public ForestLoadProfile(SeededRandom random, double loadsPerDay = DefaultLoadsPerDay, long minGrams = 10_000, long maxGrams = 40_000, int utcOffsetHours = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(loadsPerDay);
        if (minGrams <= 0 || maxGrams < minGrams) throw new ArgumentOutOfRangeException(nameof(maxGrams));
        _loadsPerOpenMs = loadsPerDay / ((CloseHour - OpenHour) * MsPerHour);
        _minGrams = minGrams;
        _maxGrams = maxGrams;
        _utcOffsetHours = utcOffsetHours;
        _random = random;
    }

    /// <summary>The loads (grams each) weighed in [fromUnixMs, toUnixMs).</summary>
    public IReadOnlyList<long> Loads(long fromUnixMs, long toUnixMs)
    {
        var open = OpenMs(fromUnixMs, toUnixMs);
        if (open <= 0) return [];
        var expected = _loadsPerOpenMs * open;
        // Poisson draw by inversion (Knuth); expected is small per call.
        var limit = Math.Exp(-expected);
        var p = _random.NextDouble();
        var count = 0;
        while (p > limit && count < 1000)
        {
            count++;
            p *= _random.NextDouble();
        }
        var loads = new long[count];
        for (var i = 0; i < count; i++) loads[i] = NextLoadGrams();
        return loads;
    }

    /// <summary>The weight of one load, between the minimum and maximum.</summary>
    public long NextLoadGrams() => _minGrams + (long)(_random.NextDouble() * (_maxGrams - _minGrams + 1));

    private long OpenMs(long from, long to)
    {
        long open = 0;
        var t = from;
        while (t < to)
        {
            var local = t + _utcOffsetHours * MsPerHour;
            var inHour = ((local % MsPerHour) + MsPerHour) % MsPerHour;
            var end = Math.Min(t + MsPerHour - inHour, to);
            var hour = (int)((((local % (24 * MsPerHour)) + 24 * MsPerHour) % (24 * MsPerHour)) / MsPerHour);
            if (hour is >= OpenHour and < CloseHour) open += end - t;
            t = end;
        }
        return open;
    }
}
