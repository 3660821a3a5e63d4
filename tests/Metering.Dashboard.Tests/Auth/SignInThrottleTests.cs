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

    /// <summary>19 wrong passwords for the member from 5 other addresses used to lock the member out
    /// (39 of 40 tries refused): the lockout was per name. Now it is per address and per name+address.</summary>
    [Fact]
    public void AnAttackerHammeringANameFromOtherAddresses_DoesNotLockTheOwnerOutOfTheirOwnAddress()
    {
        var t = Throttle();
        var owner = System.Net.IPAddress.Parse("192.168.1.20");
        var attackers = Enumerable.Range(1, 5).Select(i => System.Net.IPAddress.Parse("10.0.0." + i)).ToArray();
        for (var i = 0; i < 19; i++)
        {
            var keys = SignInThrottle.Keys("member-h01", attackers[i % 5]);
            if (t.WaitFor(keys) == TimeSpan.Zero) t.Failed(keys);
        }
        Assert.Equal(TimeSpan.Zero, t.WaitFor(SignInThrottle.Keys("member-h01", owner)));
        // Each attacking address pays for its own failures: the fifth of one address starts the wait.
        for (var i = 0; i < 5; i++) t.Failed(SignInThrottle.Keys("member-h01", attackers[0]));
        Assert.True(t.WaitFor(SignInThrottle.Keys("member-h01", attackers[0])) > TimeSpan.Zero);
        Assert.True(t.WaitFor(SignInThrottle.Keys("someone-else", attackers[0])) > TimeSpan.Zero);
        Assert.Equal(TimeSpan.Zero, t.WaitFor(SignInThrottle.Keys("member-h01", owner)));
    }
}
