using Commons.Metering.Gateway.Auth;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Dashboard.Tests.Auth;

public sealed class SignInThrottleTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    private SignInThrottle Throttle(int free = 5, int maxSeconds = 300) =>
        new(Microsoft.Extensions.Options.Options.Create(new AuthOptions { FreeFailures = free, MaxLockoutSeconds = maxSeconds }), _time);

    [Fact]
    public void FreeFailuresCostNothing_ThenTheWaitDoublesUpToTheMaximum()
    {
        var t = Throttle(free: 3, maxSeconds: 10);
        for (var i = 0; i < 2; i++) t.Failed("name:tech");
        Assert.Equal(TimeSpan.Zero, t.WaitFor("name:tech"));
        var waits = new List<double>();
        for (var i = 0; i < 6; i++)
        {
            t.Failed("name:tech");
            waits.Add(t.WaitFor("name:tech").TotalSeconds);
        }
        Assert.Equal([1, 2, 4, 8, 10, 10], waits);
    }

    [Fact]
    public void TheWaitRunsOut_AndOldFailuresAreForgottenAfterTheWindow()
    {
        var t = Throttle(free: 1);
        t.Failed("name:tech");
        Assert.Equal(TimeSpan.FromSeconds(1), t.WaitFor("name:tech"));
        _time.Advance(TimeSpan.FromMilliseconds(400));
        Assert.Equal(TimeSpan.FromMilliseconds(600), t.WaitFor("name:tech"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, t.WaitFor("name:tech"));
        t.Failed("name:tech");
        Assert.Equal(TimeSpan.FromSeconds(2), t.WaitFor("name:tech"));
        _time.Advance(AuthDefaults.FailureWindow + TimeSpan.FromSeconds(1));
        t.Failed("name:tech");
        Assert.Equal(TimeSpan.FromSeconds(1), t.WaitFor("name:tech"));
    }

    [Fact]
    public void AnAddressIsLockedAcrossNames_AndSuccessClearsOnlyTheName()
    {
        var t = Throttle(free: 2);
        t.Failed("name:a", "addr:10.0.0.9");
        t.Failed("name:b", "addr:10.0.0.9");
        Assert.Equal(TimeSpan.Zero, t.WaitFor("name:c", "addr:10.0.0.8"));
        Assert.Equal(TimeSpan.FromSeconds(1), t.WaitFor("name:c", "addr:10.0.0.9"));
        t.Succeeded("name:a");
        Assert.Equal(TimeSpan.FromSeconds(1), t.WaitFor("name:a", "addr:10.0.0.9"));
    }
}
