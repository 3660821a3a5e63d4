using Commons.Metering.Gateway.Domain;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Threading.Channels;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>The single ledger writer with group commit: it drains a bounded channel of pending
/// writes, takes up to Ledger:MaxBatchSize (or whatever is queued), applies them in one transaction
/// and only then completes each caller's task, which is when the uplink may be acknowledged.
/// While one batch commits (one fsync), the next one queues up, so the fsync cost is shared.</summary>
public sealed class LedgerWriter : IHostedService, IDisposable
{
    private readonly IStateStore _store;
    private readonly MeterRegistry _registry;
    private readonly LedgerMetrics _metrics;
    private readonly ILogger<LedgerWriter> _logger;
    private readonly Channel<Pending> _queue;
    private readonly LedgerBatch _batch;
    private readonly int _maxBatch;
    private readonly ILedgerObserver[] _observers;
    private readonly ILedgerBatchObserver[] _batchObservers;
    private readonly ILedgerFence? _fence;

    // A full disk or a lost file fails every batch until it is fixed: one line per kind per window,
    // the count in /metrics (metering_ledger_commit_failures_total), the stack traces at Debug.
    private readonly RateLimitedLog _failures;
    private Task? _loop;

    public LedgerWriter(IStateStore store, MeterRegistry registry, IMeterFactory meters,
        IOptions<GatewayOptions> options, ILogger<LedgerWriter> logger, IEnumerable<ILedgerObserver>? observers = null,
        IEnumerable<ILedgerBatchObserver>? batchObservers = null, IMeterHouseholds? households = null, ILedgerFence? fence = null,
        ISinkRows? sinkRows = null)
    {
        _fence = fence;
        _observers = observers?.ToArray() ?? [];
        _batchObservers = batchObservers?.ToArray() ?? [];
        _failures = new RateLimitedLog(logger, TimeProvider.System, RateLimitedLog.DefaultWindow);
        _store = store;
        _registry = registry;
        _metrics = new LedgerMetrics(meters);
        _logger = logger;
        var o = options.Value;
        _maxBatch = o.Ledger.MaxBatchSize;
        // The sinks decide what goes into sink_outbox, and whether anything does (Ledger/ISinkRows.cs).
        _batch = new LedgerBatch(sinkRows, households);
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(o.Ledger.QueueCapacity)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
    }

    public bool IsRunning => _loop is { IsCompleted: false };

    /// <summary>Queues a write; the task completes after its transaction committed (or faults, and
    /// then the uplink must not be acknowledged).</summary>
    public async Task<LedgerOutcome> SubmitAsync(LedgerWrite write, CancellationToken cancellationToken)
    {
        var pending = new Pending(write);
        try
        {
            await _queue.Writer.WriteAsync(pending, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            throw new LedgerStoppedException();
        }
        return await pending.Done.Task.ConfigureAwait(false);
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _store.Open();
        _registry.Load(_store.LoadMeters());
        _logger.LogInformation("Ledger open with {Meters} registered meters", _registry.Count);
        // A thread of its own, not the thread pool: under load the pool's queue holds the MQTT
        // server's work items, and a batch that waited behind them kept every waiting device waiting
        // too (the writer is the one serial stage; docs/benchmarks.md, `e2e`). The thread blocks in
        // the kernel while the queue is empty, so it costs nothing when idle.
        _loop = Task.Factory.StartNew(Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return Task.CompletedTask;
    }

    /// <summary>Takes no new writes, commits what is queued, then closes the store.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        if (_loop is not null) await _loop.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _store.Dispose();

    private void Run()
    {
        Thread.CurrentThread.Name = "ledger writer";
        var batch = new List<Pending>(_maxBatch);
        while (WaitToRead())
        {
            batch.Clear();
            while (batch.Count < _maxBatch && _queue.Reader.TryRead(out var p)) batch.Add(p);
            _metrics.QueueDepth(_queue.Reader.Count);
            if (batch.Count > 0) CommitBatch(batch);
        }
    }

    /// <summary>Blocks this (dedicated) thread until a write is queued or the queue is completed.</summary>
    private bool WaitToRead()
    {
        var wait = _queue.Reader.WaitToReadAsync();
        return wait.IsCompleted ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    private void CommitBatch(List<Pending> batch)
    {
        var started = Stopwatch.GetTimestamp();
        var outcomes = new (LedgerOutcome? Outcome, Exception? Error)[batch.Count];
        // The common case: every write applies, one transaction, no savepoints (two statements
        // per write saved). If any write throws, the whole transaction rolls back and the batch
        // is applied again with a savepoint per write, so the bad one rolls back alone.
        if (!TryCommit(batch, outcomes, isolate: false) && !TryCommit(batch, outcomes, isolate: true))
        {
            foreach (var p in batch) p.Done.TrySetException(_lastFailure!);
            return;
        }
        _metrics.Committed(batch.Count, Stopwatch.GetElapsedTime(started));
        for (var i = 0; i < batch.Count; i++)
            if (outcomes[i].Outcome is { } outcome) AfterCommit(batch[i].Write, outcome);
        // The observers first, then the submitters: whoever awaited a commit finds the batch's
        // confirmation already queued (a caller may rely on that; the other order made it a race).
        if (_batchObservers.Length > 0) AfterBatch(batch, outcomes);
        for (var i = 0; i < batch.Count; i++)
        {
            var (outcome, error) = outcomes[i];
            if (error is not null) batch[i].Done.TrySetException(error);
            else batch[i].Done.TrySetResult(outcome!);
        }
    }

    private void AfterBatch(List<Pending> batch, (LedgerOutcome? Outcome, Exception? Error)[] outcomes)
    {
        var done = new List<LedgerDone>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
            if (outcomes[i].Outcome is { } outcome) done.Add(new LedgerDone(batch[i].Write, outcome));
        foreach (var observer in _batchObservers)
        {
            try { observer.BatchCommitted(done); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Committed is committed: an observer's bug must not stop the writer.
                _logger.LogError(e, "Ledger batch observer {Observer} failed on a batch of {Count} writes", observer.GetType().Name, done.Count);
            }
        }
    }

    private Exception? _lastFailure;

    private bool TryCommit(List<Pending> batch, (LedgerOutcome? Outcome, Exception? Error)[] outcomes, bool isolate)
    {
        try
        {
            using var tx = _store.Begin();
            for (var i = 0; i < batch.Count; i++)
            {
                if (!isolate)
                {
                    outcomes[i] = (_batch.Apply(tx, batch[i].Write), null);
                    continue;
                }
                tx.Savepoint();
                try
                {
                    // Write by write, the fence too: a write for a community lost meanwhile rolls back alone.
                    _fence?.Check(tx, [CommunityOf(batch[i].Write)]);
                    outcomes[i] = (_batch.Apply(tx, batch[i].Write), null);
                    tx.Release();
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // One bad write rolls back alone; the rest of the batch still commits.
                    tx.RollbackToSavepoint();
                    outcomes[i] = (null, e);
                    if (_failures.Log(LogLevel.Error, "ledger_write_failed", $"meter {batch[i].Write.Meter}", $"{e.GetType().Name}: {e.Message}; rolled back alone, not acknowledged"))
                        _logger.LogDebug(e, "Ledger write for meter {Meter} failed", batch[i].Write.Meter);
                }
            }
            // Last, so the lease rows stay locked (FOR SHARE) only from here to the commit.
            if (_fence is not null && !isolate) _fence.Check(tx, batch.Select(p => CommunityOf(p.Write)).Distinct(StringComparer.Ordinal).ToList());
            tx.Commit();
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _lastFailure = e;
            if (!isolate) return false; // retried write by write
            _metrics.CountFailure();
            if (_failures.Log(LogLevel.Error, "ledger_commit_failed", $"a batch of {batch.Count} writes", $"{e.GetType().Name}: {e.Message}; none is acknowledged"))
                _logger.LogDebug(e, "Ledger transaction of {Count} writes failed", batch.Count);
            return false;
        }
    }

    private static string CommunityOf(LedgerWrite write) => write switch
    {
        ReadingWrite w => w.MeterInfo.Community,
        EventWrite w => w.MeterInfo.Community,
        StatusWrite w => w.MeterInfo.Community,
        AckWrite w => w.MeterInfo.Community,
        GaugeWrite w => w.MeterInfo.Community,
        HeldDecisionWrite w => w.MeterInfo.Community,
        RegisterMeterWrite w => w.MeterInfo.Community,
        _ => throw new ArgumentOutOfRangeException(nameof(write), write.GetType().Name, "unknown ledger write"),
    };

    private void AfterCommit(LedgerWrite write, LedgerOutcome outcome)
    {
        if (outcome.Status == LedgerStatus.Duplicate) return;
        switch (write)
        {
            case RegisterMeterWrite r when outcome.Status == LedgerStatus.Committed:
                _registry.Committed(r.MeterInfo);
                break;
            case ReadingWrite r when r.RegisterMeter:
                _registry.Committed(r.MeterInfo);
                break;
        }
        foreach (var observer in _observers)
        {
            try { observer.Committed(write, outcome); }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Committed is committed: an observer's bug must not fail the acknowledgement.
                _logger.LogError(e, "Ledger observer {Observer} failed on a write of meter {Meter}", observer.GetType().Name, write.Meter);
            }
        }
    }

    private sealed class Pending(LedgerWrite write)
    {
        public LedgerWrite Write { get; } = write;

        // Continuations run off the writer's thread, so acknowledging never delays the next batch.
        public TaskCompletionSource<LedgerOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}

/// <summary>The write came after the ledger stopped taking writes (the gateway is shutting down): it
/// was not committed, and the uplink must not be acknowledged. Not a ledger failure.</summary>
public sealed class LedgerStoppedException() : InvalidOperationException("the ledger is stopping: not committed");
