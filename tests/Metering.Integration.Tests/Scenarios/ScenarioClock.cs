using Commons.Metering.Firmware.Host.Platform;

namespace Commons.Metering.Tests.Scenarios;

/// <summary>One sped-up clock for the whole village: the gateway's TimeProvider (rotation slots, command
/// expiry, clock checks) and the fleet's device clock (<see cref="Device"/>) read the same time, so a
/// simulated evening passes for both at <paramref name="speed"/>x. Only GetUtcNow is scaled: timers and
/// timestamps (the commons loop's tick, rate limits, MQTT keep-alive) stay in real time.</summary>
internal sealed class ScenarioClock(DateTimeOffset start, double speed) : TimeProvider
{
    public ScaledClock Device { get; } = new(start.ToUnixTimeMilliseconds(), speed);

    public DateTimeOffset Now => GetUtcNow();

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.FromUnixTimeMilliseconds(Device.UnixMs);
}
