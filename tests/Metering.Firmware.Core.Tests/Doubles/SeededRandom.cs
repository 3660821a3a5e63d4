using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Tests.Doubles;

public sealed class SeededRandom(int seed) : IRandom
{
    private readonly Random _random = new(seed);

    public int Next(int maxExclusive) => _random.Next(maxExclusive);
}
