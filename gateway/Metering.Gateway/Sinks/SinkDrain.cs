using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;

namespace Commons.Metering.Gateway.Sinks;

internal enum DrainOutcome
{
    /// <summary>Nothing after the cursor.</summary>
    Idle,

    /// <summary>Delivered a batch smaller than BatchSize: caught up.</summary>
    Partial,

    /// <summary>Delivered a full batch: more may be waiting.</summary>
    Full,

    /// <summary>The write (after retries) or the bookkeeping failed; rows stay in the outbox.</summary>
    Failed,

    /// <summary>The breaker is open; nothing was attempted; rows stay in the outbox.</summary>
    BreakerOpen,
}

/// <summary>Delivers one sink's share of the outbox: reads up to BatchSize rows after its cursor,
/// writes them as one request body through the resilience pipeline, then moves the cursor and prunes
/// in one short transaction. A crash between write and cursor move re-sends the batch; InfluxDB overwrites a
/// point with the same series and timestamp, so storage stays exactly-once.
/// While a backlog drains (full batches), the next batch is read, and the cursor of the last one
/// stored and its rows pruned, while the current batch is on the wire, so the database work hides
/// behind InfluxDB's (`sink` benchmark, docs/benchmarks.md); once caught up, every cycle finishes
/// that work before it returns.</summary>
internal sealed partial class SinkDrain
{
    private Task<OutboxBatch>? _prefetch;
    private long _prefetchAfter = -1;
    private Task? _persisting;

    private readonly ISinkWriter _writer;
    private readonly ISinkOutbox _outbox;
    private readonly InfluxOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly IReadOnlyCollection<string> _allSinks;
    private readonly CircuitBreakerStateProvider _breaker = new();
    private readonly ResiliencePipeline _pipeline;
    private long _cursor = -1;
    private long _written;
    private long _failed;
    private long _deadLettered;
    private long _depth;
    private volatile string? _lastError;

    public SinkDrain(ISinkWriter writer, ISinkOutbox outbox, InfluxOptions options, TimeProvider time,
        ILogger log, IReadOnlyCollection<string> allSinks)
    {
        _writer = writer;
        _outbox = outbox;
        _options = options;
        _time = time;
        _log = log;
        _allSinks = allSinks;
        _pipeline = SinkPipeline.Build(writer.Name, options, time, _breaker, log);
    }

    public string Name => _writer.Name;

    /// <summary>Last outbox id delivered (or dead-lettered); -1 before the first cycle.</summary>
    public long Cursor => Interlocked.Read(ref _cursor);

    public SinkSnapshot Snapshot() => new(
        Name,
        Interlocked.Read(ref _depth),
        SinkPipeline.StateName(_breaker.CircuitState),
        Interlocked.Read(ref _written),
        Interlocked.Read(ref _failed),
        _lastError)
    {
        DeadLetteredTotal = Interlocked.Read(ref _deadLettered),
    };

    /// <summary>One cycle. Throws only OperationCanceledException on shutdown.</summary>
    public async Task<DrainOutcome> DrainOnceAsync(CancellationToken cancellationToken)
    {
        var batch = OutboxBatch.Empty;
        List<DeadLetter> dead = [];
        try
        {
            if (Cursor < 0) Interlocked.Exchange(ref _cursor, _outbox.ReadCursor(Name));
            // Nothing to write: return before the pipeline, so that the breaker counts real writes
            // only (idle successes would dilute the failure ratio of an outage).
            if (RefreshDepth() == 0) return DrainOutcome.Idle;
            // Reading inside the pipeline: an open breaker skips the read too, and a retry picks up
            // rows that arrived meanwhile.
            await _pipeline.ExecuteAsync(async token =>
            {
                batch = await TakePrefetchedAsync().ConfigureAwait(false) ?? _outbox.ReadBatchAfter(Cursor, _options.BatchSize);
                dead = [];
                if (batch.Count == 0) return;
                // A full batch: more rows are likely waiting; read them while this batch is on the wire.
                if (batch.Count >= _options.BatchSize) Prefetch(batch.LastId);
                await WriteIsolatingRejectsAsync(batch, dead, token).ConfigureAwait(false);
            }, cancellationToken).ConfigureAwait(false);
            if (batch.Count == 0) return DrainOutcome.Idle;
            var last = batch.LastId;
            var full = batch.Count >= _options.BatchSize;
            Interlocked.Exchange(ref _cursor, last);
            await PersistAsync(last, dead, caughtUp: !full).ConfigureAwait(false);
            Interlocked.Add(ref _written, batch.Count - dead.Count);
            Interlocked.Add(ref _deadLettered, dead.Count);
            if (!full) RefreshDepth();
            else Interlocked.Exchange(ref _depth, Math.Max(0, Interlocked.Read(ref _depth) - batch.Count));
            return full ? DrainOutcome.Full : DrainOutcome.Partial;
        }
        catch (BrokenCircuitException)
        {
            return DrainOutcome.BreakerOpen; // depth was refreshed at the start of this cycle
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _lastError = e.Message;
            LogCycleFailed(_log, Name, e.Message, Interlocked.Read(ref _depth));
            TryRefreshDepth();
            return DrainOutcome.Failed;
        }
    }

    private void Prefetch(long afterId)
    {
        _prefetchAfter = afterId;
        _prefetch = Task.Run(() => _outbox.ReadBatchAfter(afterId, _options.BatchSize));
    }

    /// <summary>The rows read ahead, if they start right after the cursor (a failed write leaves the
    /// cursor where it was: then they are dropped and read again); null when there are none.</summary>
    private async Task<OutboxBatch?> TakePrefetchedAsync()
    {
        var (prefetch, after) = (_prefetch, _prefetchAfter);
        _prefetch = null;
        if (prefetch is null) return null;
        try
        {
            var rows = await prefetch.ConfigureAwait(false);
            return after == Cursor ? rows : null;
        }
        catch (System.Data.Common.DbException)
        {
            return null; // read again in this cycle, where a failure is counted and logged
        }
    }

    /// <summary>Moves the stored cursor (with the batch's dead letters) and deletes delivered rows.
    /// Behind a backlog this runs beside the next cycle's write (one at a time, in order); once caught
    /// up it is awaited, so an idle drain leaves its cursor stored and nothing delivered behind.
    /// If a background one failed, the cursor goes back to the stored one: those rows are sent
    /// again (InfluxDB keeps one point per series and time) and their dead letters stored again.</summary>
    private async Task PersistAsync(long last, List<DeadLetter> dead, bool caughtUp)
    {
        try
        {
            if (_persisting is { } previous)
            {
                _persisting = null;
                await previous.ConfigureAwait(false);
            }
            var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
            void Persist()
            {
                _outbox.Commit(Name, last, dead, nowMs, _allSinks);
            }
            if (caughtUp) Persist();
            else _persisting = Task.Run(Persist);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            Interlocked.Exchange(ref _cursor, -1); // re-read from metering.db at the next cycle
            LogPersistFailed(_log, Name, e.Message);
            throw;
        }
    }

    /// <summary>Completes when the cursor move and prune running behind a backlog (if any) are done; for shutdown and tests.</summary>
    public Task PersistedAsync() => _persisting ?? Task.CompletedTask;

    /// <summary>Rows after the cursor: ids are handed out in commit order and only rows at or below
    /// every cursor are ever deleted, so the high-water mark minus the cursor counts them exactly.</summary>
    private long RefreshDepth()
    {
        var depth = Math.Max(0, _outbox.MaxId() - Cursor);
        Interlocked.Exchange(ref _depth, depth);
        return depth;
    }

    private void TryRefreshDepth()
    {
        try { RefreshDepth(); }
        catch (System.Data.Common.DbException) { } // keep the last known depth
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink}: storing the cursor or pruning failed ({Error}); the rows after the stored cursor are sent again")]
    private static partial void LogPersistFailed(ILogger log, string sink, string error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sink {Sink}: write failed ({Error}); {Depth} rows wait in the outbox")]
    private static partial void LogCycleFailed(ILogger log, string sink, string error, long depth);
}
