using Commons.Metering.Gateway.Ledger;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>Tells the drain loops that the ledger committed readings (and with them outbox rows), so
/// a caught-up sink writes them after <see cref="InfluxOptions.LingerMs"/> instead of at its next
/// poll (<see cref="InfluxOptions.FlushIntervalMs"/>). On the ledger writer's thread it costs one
/// interlocked increment per committed reading and, only while a loop is waiting, one task
/// completion; it never blocks.</summary>
internal sealed class SinkOutboxSignal : ILedgerObserver
{
    private long _version;
    private int _armed;
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Changes whenever readings were committed; read it before a cycle reads the outbox.</summary>
    public long Version => Interlocked.Read(ref _version);

    public void Committed(LedgerWrite write, LedgerOutcome outcome)
    {
        if (write is not ReadingWrite || outcome.Status != LedgerStatus.Committed) return;
        Interlocked.Increment(ref _version);
        if (Volatile.Read(ref _armed) == 0 || Interlocked.Exchange(ref _armed, 0) == 0) return;
        Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Returns true at once if readings were committed since <paramref name="seen"/>, true
    /// when some are committed within <paramref name="timeout"/>, false when none were.</summary>
    public async Task<bool> WaitAsync(long seen, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var next = Volatile.Read(ref _next).Task;
        Volatile.Write(ref _armed, 1);
        // A commit between the caller's read of Version and the arming above is seen here; one after
        // it completes `next` (the writer swaps it only while armed).
        if (Version != seen) return true;
        try
        {
            await next.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
