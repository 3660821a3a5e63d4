using Commons.Metering.Gateway.Registry;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Tests.Broker;

/// <summary>The rules of slowing refused connects (Registry/ConnectThrottle.cs), on a fake clock:
/// pure logic, no broker (the integration test BrokerConnectThrottleTests sees it in the gateway).</summary>
public sealed class ConnectThrottleTests
{
    private readonly FakeTimeProvider _time = new();

    private ConnectThrottle Throttle(int baseMs = 250, int maxMs = 5_000) => new(_time, baseMs, maxMs);

    [Fact]
    public void EachRefusalOfAUser_DoublesItsNextWait_UpToTheCap()
    {
        var t = Throttle();
        Assert.Equal(TimeSpan.Zero, t.DelayFor("w-1", "10.0.0.1"));
        var seen = new List<double>();
        for (var i = 0; i < 7; i++)
        {
            t.Failed("w-1", $"10.0.0.{i}");
            seen.Add(t.DelayFor("w-1", "10.0.0.99").TotalMilliseconds);
        }
        Assert.Equal([250, 500, 1_000, 2_000, 4_000, 5_000, 5_000], seen);
    }

    [Fact]
    public void AnAddress_IsSlowedOnlyAfterItsGrace_SoNeighboursBehindOneNatAreNotSlowedAtOnce()
    {
        var t = Throttle();
        for (var i = 0; i < ConnectThrottle.AddressGrace; i++) t.Failed($"guess-{i}", "192.0.2.7");
        Assert.Equal(TimeSpan.Zero, t.DelayFor("w-2", "192.0.2.7"));
        t.Failed("guess-x", "192.0.2.7");
        Assert.Equal(TimeSpan.FromMilliseconds(250), t.DelayFor("w-2", "192.0.2.7"));
        Assert.Equal(TimeSpan.Zero, t.DelayFor("w-2", "192.0.2.8"));
    }

    [Fact]
    public void Refusals_AreForgottenAfterTheWindow_OrWhenTheUserConnects()
    {
        var t = Throttle();
        t.Failed("w-3", null);
        t.Failed("w-4", null);
        _time.Advance(ConnectThrottle.Forget + TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, t.DelayFor("w-3", null));
        t.Failed("w-3", null); // counting starts again at one
        Assert.Equal(TimeSpan.FromMilliseconds(250), t.DelayFor("w-3", null));
        t.Succeeded("w-3");
        Assert.Equal(TimeSpan.Zero, t.DelayFor("w-3", null));
    }

    [Fact]
    public void AFloodOfMadeUpUserNames_StaysWithinTheBound_AndTheAddressIsStillCounted()
    {
        var t = Throttle();
        for (var i = 0; i < ConnectThrottle.MaxTracked + 500; i++) t.Failed($"made-up-{i}", "198.51.100.1");
        Assert.True(t.Tracked <= ConnectThrottle.MaxTracked, $"{t.Tracked} keys");
        Assert.Equal(TimeSpan.FromMilliseconds(5_000), t.DelayFor("anyone", "198.51.100.1"));
    }

    [Fact]
    public void ZeroBaseDelay_TurnsTheSlowingOff()
    {
        var t = Throttle(baseMs: 0, maxMs: 0);
        for (var i = 0; i < 20; i++) t.Failed("w-5", "10.0.0.5");
        Assert.Equal(TimeSpan.Zero, t.DelayFor("w-5", "10.0.0.5"));
    }
}
