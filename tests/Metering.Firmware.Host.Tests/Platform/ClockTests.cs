using Commons.Metering.Firmware.Host.Platform;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Tests.Platform;

public sealed class ClockTests
{
    [Fact]
    public void SimulatedClock_ForwardSet_AdvancesUptimeByTheSameAmount()
    {
        var clock = new SimulatedClock(1_000_000);
        clock.SetUnixMs(1_060_000);
        Assert.Equal(1_060_000, clock.UnixMs);
        Assert.Equal(60_000, clock.UptimeMs);
    }

    [Fact]
    public void SimulatedClock_BackwardSet_MovesWallTimeButNeverUptime()
    {
        var clock = new SimulatedClock(1_000_000);
        clock.Advance(5_000);
        clock.SetUnixMs(900_000);
        Assert.Equal(900_000, clock.UnixMs);
        Assert.Equal(5_000, clock.UptimeMs);
    }

    [Fact]
    public void SystemClock_FollowsItsTimeProvider()
    {
        var time = new FakeTimeProvider(DateTimeOffset.FromUnixTimeMilliseconds(1_764_245_400_000));
        var clock = new SystemClock(time);
        time.Advance(TimeSpan.FromSeconds(90));
        Assert.Equal(1_764_245_490_000, clock.UnixMs);
        Assert.Equal(90_000, clock.UptimeMs);
    }

    [Fact]
    public void ScaledClock_RejectsANonPositiveSpeed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScaledClock(0, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ScaledClock(0, double.NaN));
    }

    [Fact]
    public void SeededRandom_SameSeed_SameSequence()
    {
        var a = new SeededRandom(7);
        var b = new SeededRandom(7);
        var xs = Enumerable.Range(0, 20).Select(_ => a.Next(1000)).ToArray();
        var ys = Enumerable.Range(0, 20).Select(_ => b.Next(1000)).ToArray();
        Assert.Equal(xs, ys);
        Assert.All(xs, x => Assert.InRange(x, 0, 999));
    }
}
