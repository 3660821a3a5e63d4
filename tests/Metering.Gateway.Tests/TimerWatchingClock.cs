using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests;

/// <summary>A fake clock that tells a test when the code under test has started waiting on it: a
/// background loop that calls Task.Delay(…, time) creates a timer, and only then does advancing the
/// clock reach that wait. Advancing before the timer exists would move the clock past nothing, so
/// tests wait for the timer (an event, not a real-time sleep) before they advance.</summary>
internal sealed class TimerWatchingClock : FakeTimeProvider
{
    /// <summary>Bounds a wait for a timer that never comes (a bug), so the test fails instead of hanging.</summary>
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private readonly List<TimeSpan> _created = [];
    private readonly List<(Func<TimeSpan, bool> Match, int Count, TaskCompletionSource Done)> _waiters = [];

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        lock (_gate)
        {
            _created.Add(dueTime);
            foreach (var w in _waiters.Where(w => _created.Count(w.Match) >= w.Count).ToList())
            {
                w.Done.TrySetResult();
                _waiters.Remove(w);
            }
        }
        return timer;
    }

    /// <summary>Completes once <paramref name="count"/> timers due after <paramref name="dueTime"/> have
    /// been created since this clock was made; fails after <see cref="Patience"/> of real time.</summary>
    public Task TimersCreated(TimeSpan dueTime, int count = 1)
    {
        bool Match(TimeSpan due) => due == dueTime;
        lock (_gate)
        {
            if (_created.Count(Match) >= count) return Task.CompletedTask;
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((Match, count, done));
            return done.Task.WaitAsync(Patience);
        }
    }
}
