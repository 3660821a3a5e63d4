using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Platform;

/// <summary>Reproducible randomness for backoff jitter and simulated usage: the same seed gives
/// the same run. Safe to call from any thread.</summary>
public sealed class SeededRandom : IRandom
{
    private readonly Random _random;

    public SeededRandom(int seed)
    {
        _random = new Random(seed);
    }

    public int Next(int maxExclusive)
    {
        lock (_random) return _random.Next(maxExclusive);
    }

    public double NextDouble()
    {
        lock (_random) return _random.NextDouble();
    }
}
