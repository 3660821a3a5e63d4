using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Backup;

/// <summary>After a restore, asks every meter of the restored ledger to send again what its flash window
/// holds after the newest seq the ledger has (docs/protocol.md, "refill"). <see cref="BackupRestore"/>
/// writes the request (<see cref="RefillRequest"/>) into the data folder; this service sends each meter its refill
/// command at start, whenever the meter comes online and every <see cref="ResendSeconds"/> until the
/// device acknowledges it, then strikes the meter off (the file is rewritten, and deleted once empty). A
/// device acknowledges only when its window is sent again (the records themselves arrive, are committed
/// and confirmed like any uplink; redelivered ones are duplicates), so the file outlives crashes and
/// restarts of the gateway until every device has answered. A device whose firmware predates refill
/// answers `unknown_op`: struck off with a warning (what it still holds unconfirmed arrives anyway).</summary>
/// <remarks>The publisher is resolved when the service starts: the broker depends on the ledger writer,
/// which depends on its observers, this one among them.</remarks>
internal sealed class RefillAfterRestore(string dataDirectory, Func<IDownlinkPublisher> downlinksFactory, TimeProvider time,
    ILogger<RefillAfterRestore> logger) : BackgroundService, ILedgerObserver
{
    private IDownlinkPublisher? _downlinks;

    /// <summary>A device that did not answer is asked again after this long: a device refills a few
    /// records per tick (Limits.RefillPerTick), so a window of hundreds takes well under a minute.</summary>
    public const int ResendSeconds = 60;

    /// <summary>Expiry of each refill command sent: long enough for a device that is asleep or
    /// reconnecting; each resend carries a fresh one.</summary>
    private const long ExpiryMs = 24 * 3600 * 1000L;

    private readonly object _gate = new();
    private readonly Dictionary<string, RefillRequest.Meter> _pending = new(StringComparer.Ordinal);
    private readonly HashSet<string> _due = new(StringComparer.Ordinal);
    private readonly List<(string Meter, string? Error)> _answered = [];
    private readonly SemaphoreSlim _wake = new(0);
    private string _cid = "";

    private string FilePath => Path.Combine(dataDirectory, RefillRequest.FileName);

    /// <summary>Meters still to answer (for tests and logs).</summary>
    public int Pending
    {
        get
        {
            lock (_gate) return _pending.Count;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Load()) return;
        _downlinks = downlinksFactory();
        var all = true;
        var nextAll = time.GetUtcNow();
        while (!stoppingToken.IsCancellationRequested)
        {
            SaveIfAnswered();
            lock (_gate)
            {
                if (_pending.Count == 0) return;
            }
            // The full resend keeps its own schedule: other meters' statuses and acks wake the loop
            // often, and a timer restarted by each wake would put off asking a meter whose command
            // was lost (sent before it subscribed) for as long as the others keep answering.
            if (all) nextAll = time.GetUtcNow() + TimeSpan.FromSeconds(ResendSeconds);
            await SendAsync(all, stoppingToken).ConfigureAwait(false);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            try
            {
                var left = nextAll - time.GetUtcNow();
                await _wake.WaitAsync(wait.Token).WaitAsync(left > TimeSpan.Zero ? left : TimeSpan.Zero, time, stoppingToken).ConfigureAwait(false);
                all = time.GetUtcNow() >= nextAll;
            }
            catch (TimeoutException) { all = true; }
            catch (OperationCanceledException) { return; }
            finally { await wait.CancelAsync().ConfigureAwait(false); } // the semaphore forgets an abandoned wait
        }
    }

    /// <summary>An online status makes the meter due now; its ack of the refill strikes it off. Runs on
    /// the ledger writer's thread: it only notes and wakes the loop, which sends and writes the file.</summary>
    public void Committed(LedgerWrite write, LedgerOutcome outcome)
    {
        if (write is StatusWrite { Status.State: "online" } s)
        {
            lock (_gate)
            {
                if (!_pending.ContainsKey(s.Meter) || !_due.Add(s.Meter)) return;
            }
            _wake.Release();
        }
        else if (write is AckWrite a)
        {
            lock (_gate)
            {
                if (a.Ack.CommandId != _cid || !_pending.Remove(a.Meter)) return;
                _answered.Add((a.Meter, a.Ack.Ok ? null : a.Ack.Error ?? "refused"));
            }
            _wake.Release();
        }
    }

    private bool Load()
    {
        if (RefillRequest.Load(FilePath) is not { } file) return false;
        lock (_gate)
        {
            _cid = file.Cid;
            foreach (var m in file.Meters)
            {
                _pending[m.Id] = m;
                _due.Add(m.Id);
            }
        }
        logger.LogInformation("Refill after restore ({Cid}): asking {Meters} meters to send their flash windows again", file.Cid, file.Meters.Count);
        return true;
    }

    /// <summary>Sends the refill to every meter still pending (<paramref name="all"/>: at start and
    /// every <see cref="ResendSeconds"/>) or to those whose online status came since.</summary>
    private async Task SendAsync(bool all, CancellationToken cancellationToken)
    {
        List<RefillRequest.Meter> due;
        lock (_gate)
        {
            due = [.. _pending.Values.Where(m => all || _due.Contains(m.Id))];
            _due.Clear();
        }
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var downlinks = _downlinks!;
        foreach (var m in due)
        {
            if (!downlinks.CanPublish) return;
            var payload = CommandCodec.Encode(CommandCodec.Refill(_cid, now + ExpiryMs, m.AfterSeq));
            try { await downlinks.PublishAsync($"commons/v1/{m.Community}/{m.Id}/down/cmd", payload, cancellationToken).ConfigureAwait(false); }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "Refill after restore: the broker did not take {Meter}'s command; retrying", m.Id);
            }
        }
    }

    private void SaveIfAnswered()
    {
        List<(string Meter, string? Error)> answered;
        lock (_gate)
        {
            if (_answered.Count == 0) return;
            answered = [.. _answered];
            _answered.Clear();
            Save();
        }
        foreach (var (meter, error) in answered)
        {
            if (error is null) logger.LogInformation("Refill after restore: {Meter} sent its flash window again", meter);
            else logger.LogWarning("Refill after restore: {Meter} refused it ({Error}; unknown_op: its firmware predates refill); struck off", meter, error);
        }
    }

    /// <summary>Caller holds _gate.</summary>
    private void Save()
    {
        if (_pending.Count == 0)
        {
            File.Delete(FilePath);
            logger.LogInformation("Refill after restore: every meter answered");
            return;
        }
        RefillRequest.Save(FilePath, new RefillRequest.File_(_cid, [.. _pending.Values.OrderBy(m => m.Id, StringComparer.Ordinal)]));
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
