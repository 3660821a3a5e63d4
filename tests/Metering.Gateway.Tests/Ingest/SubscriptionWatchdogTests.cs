using Commons.Metering.Gateway.Ingest;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>The watchdog on the gateway's external-broker connection: silence is deafness, a busy
/// connection is not.</summary>
public sealed class SubscriptionWatchdogTests
{
    private readonly FakeTimeProvider _time = new();

    /// <summary>Lets the watchdog's loop run up to its next wait on the fake clock.</summary>
    private static Task Settle() => Task.Delay(50);

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

        for (var i = 0; i < 6; i++) // 30 s of failing heartbeats, an uplink heard every 5 s
        {
            await Settle();
            _time.Advance(TimeSpan.FromSeconds(5));
            watchdog.Heard();
        }
        await Settle();
        Assert.False(run.IsCompleted, "a busy connection was taken for a deaf one");
        Assert.True(publishes >= 6, $"{publishes} heartbeats");

        for (var i = 0; i < 5 && !run.IsCompleted; i++) // now nothing arrives
        {
            _time.Advance(TimeSpan.FromSeconds(5));
            await Settle();
        }
        var (deaf, why) = await run.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(deaf, why);
        Assert.Contains("no message from the broker", why, StringComparison.Ordinal);
        await stop.CancelAsync();
    }
}
