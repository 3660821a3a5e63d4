using Commons.Metering.Gateway.BrokerAccounts;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Tests.Broker;

/// <summary>The rules of slowing refused connects (BrokerAccounts/ConnectThrottle.cs), on a fake clock:
/// pure logic, no broker (the integration test BrokerConnectThrottleTests sees it in the gateway).</summary>
[Collection(TestStreams.Beside)]
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
        t.Succeeded("w-3", null);
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

    [Fact]
    public void ThirtyTwoParallelConnectsOfOneUser_AreSerialised_TheRestRefusedUnchecked()
    {
        var t = Throttle();
        var waits = new List<double>();
        for (var i = 0; i < 32; i++)
            if (t.TryReserve("w-6", "203.0.113.9", out var wait)) waits.Add(wait.TotalMilliseconds);
        // As if each pending check had failed: 0, 250, 250+500, 750+1000, 1750+2000; the next slot lies beyond 5 s.
        Assert.Equal([0, 250, 750, 1_750, 3_750], waits);
    }

    /// <summary>32 guessers, each connecting again the moment it has its answer, for a minute: a
    /// discrete-event run on the fake clock. They get about what one sequential guesser gets.</summary>
    [Fact]
    public void ThirtyTwoParallelGuessers_GetAboutTwelveChecksAMinute()
    {
        var t = Throttle();
        var queue = new PriorityQueue<(int Guesser, bool Check), DateTimeOffset>();
        var start = _time.GetUtcNow();
        var end = start + TimeSpan.FromMinutes(1);
        for (var g = 0; g < 32; g++) queue.Enqueue((g, false), start);
        var checks = 0;
        while (queue.TryDequeue(out var e, out var at) && at < end)
        {
            _time.SetUtcNow(at);
            var address = "203.0.113." + e.Guesser;
            if (e.Check)
            {
                checks++;
                t.Failed("w-7", address);
                queue.Enqueue((e.Guesser, false), at); // connects again at once
            }
            else if (t.TryReserve("w-7", address, out var wait)) queue.Enqueue((e.Guesser, true), at + wait);
            else queue.Enqueue((e.Guesser, false), at + TimeSpan.FromMilliseconds(10)); // refused unchecked: again soon
        }
        // One guesser at the defaults: 0, .25, .75, 1.75, 3.75, 7.75 s, then every 5 s: 16 in a minute.
        Assert.InRange(checks, 10, 16);
    }

    [Fact]
    public void TheRealDevice_FromItsOwnAddress_IsNotDelayedByAGuesserElsewhere_ButAGuesserThereIs()
    {
        var t = Throttle();
        Assert.True(t.TryReserve("w-8", "10.0.0.8", out _));
        t.Succeeded("w-8", "10.0.0.8");
        for (var i = 0; i < 20; i++)
        {
            if (t.TryReserve("w-8", "203.0.113.66", out _)) t.Failed("w-8", "203.0.113.66");
            _time.Advance(TimeSpan.FromSeconds(5));
        }
        Assert.True(t.TryReserve("w-8", "10.0.0.8", out var wait));
        Assert.Equal(TimeSpan.Zero, wait);
        t.Failed("w-8", "10.0.0.8"); // a guesser behind the device's own address
        t.Failed("w-8", "10.0.0.8");
        Assert.Equal(TimeSpan.FromMilliseconds(500), t.DelayFor("w-8", "10.0.0.8"));
        Assert.Equal(TimeSpan.FromMilliseconds(5_000), t.DelayFor("w-8", "203.0.113.67"));
    }
}
