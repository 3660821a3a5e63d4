using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class FlowDetectorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Leak_TripsAtExactlyNMinutesOfContinuousFlow()
    {
        var d = new LeakDetector(TimeSpan.FromMinutes(120), TimeSpan.FromMinutes(15));
        var register = 1_000L;
        for (var m = 0; m < 120; m += 10)
        {
            Assert.False(d.Observe(T0.AddMinutes(m), register), $"minute {m}");
            register += 500; // a dripping tap: 50 mL/min
        }
        Assert.True(d.Observe(T0.AddMinutes(120), register));
        Assert.Equal(TimeSpan.FromMinutes(120), d.FlowingFor);
    }

    [Theory]
    [InlineData(0)]     // the register stood still for one interval
    [InlineData(-100)]  // the register went down (meter swap)
    public void Leak_AnIntervalWithoutRiseRestartsTheCount(long step)
    {
        var d = new LeakDetector(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(15));
        d.Observe(T0, 0);
        d.Observe(T0.AddMinutes(10), 100);
        d.Observe(T0.AddMinutes(20), 200);
        d.Observe(T0.AddMinutes(25), 200 + step);
        Assert.False(d.Observe(T0.AddMinutes(40), 500));
        Assert.False(d.Observe(T0.AddMinutes(50), 600));
        Assert.True(d.Observe(T0.AddMinutes(55), 700)); // 25 -> 55: 30 min
    }

    [Fact]
    public void Leak_AGapLongerThanTheMaxIntervalBreaksContinuity_LateReadingsAreIgnored()
    {
        var d = new LeakDetector(TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(15));
        d.Observe(T0, 0);
        d.Observe(T0.AddMinutes(10), 10);
        Assert.False(d.Observe(T0.AddMinutes(40), 20)); // 30 min gap: unknown
        Assert.False(d.Observe(T0.AddMinutes(5), 0));   // out of order
        Assert.Equal(TimeSpan.Zero, d.FlowingFor);
    }

    [Fact]
    public void Burst_IsARateStrictlyAboveTheMaximum()
    {
        var d = new BurstDetector(maxPerMinute: 30_000);
        d.Observe(T0, 0);
        Assert.False(d.Observe(T0.AddSeconds(30), 15_000)); // exactly 30 L/min
        Assert.True(d.Observe(T0.AddSeconds(60), 30_001));  // 15.001 L in 30 s
        Assert.False(d.Observe(T0.AddSeconds(60), 99_999)); // same instant: ignored
        Assert.False(d.Observe(T0.AddSeconds(120), 30_000)); // decrease is not a burst
    }
}
