using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>The watchdog on the gateway's external-broker connection: silence is deafness, a busy
/// connection is not.</summary>
public sealed class SubscriptionWatchdogTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private readonly TimerWatchingClock _time = new();

    /// <summary>Returns once the watchdog's loop waits on the fake clock for the <paramref name="n"/>th time.</summary>
    private Task Waiting(int n) => _time.TimersCreated(Interval, n);

    [Fact]
    public async Task AHeartbeatThatFails_WhileUplinksArrive_IsNotDeafness_ButSilenceIs()
    {
        var watchdog = new SubscriptionWatchdog(_time, intervalMs: 5_000, timeoutMs: 15_000);
        var publishes = 0;
        using var stop = new CancellationTokenSource();
        var run = watchdog.RunAsync(_ =>
        {
            // The first heartbeat comes back; every later one times out (its PUBACK is stuck
            // behind a backlog, as on a busy connection).
            if (++publishes == 1) { watchdog.Echoed(); return Task.CompletedTask; }
            return Task.FromException(new TimeoutException("The operation has timed out."));
        }, stop.Token);

        for (var i = 1; i <= 6; i++) // 30 s of failing heartbeats, an uplink heard every 5 s
        {
            await Waiting(i);
            _time.Advance(Interval);
            watchdog.Heard();
        }
        await Waiting(7);
        Assert.False(run.IsCompleted, "a busy connection was taken for a deaf one");
        Assert.Equal(7, publishes);

        for (var n = 8; n < 13 && !run.IsCompleted; n++) // now nothing arrives
        {
            _time.Advance(Interval);
            await Task.WhenAny(run, Waiting(n));
        }
        var (deaf, why) = await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(deaf, why);
        Assert.Contains("no message from the broker", why, StringComparison.Ordinal);
        await stop.CancelAsync();
    }
}
