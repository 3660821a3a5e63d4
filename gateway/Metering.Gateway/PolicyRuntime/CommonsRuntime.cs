using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The policy in action (PolicyRuntime/README.md). One loop reads the committed writes the
/// <see cref="CommitFeed"/> queued and evaluates them in commit order: shared-meter readings drive the
/// stages, channel readings the safety breakers and the usage against allowances, both the per-channel
/// decisions; each decision change becomes a command (<see cref="CommandBook"/>) persisted before it is
/// handed to the broker. The same loop runs the time-based work (retries, rotation slots, emergencies
/// and proposals falling due). The runtime composes parts that own their state (<see cref="BreakerBoard"/>,
/// <see cref="CouncilActs"/>, <see cref="RegionalCaps"/>, <see cref="LatestGauges"/>; PolicyRuntime/README.md).
/// All state is guarded by one lock: the dashboard's reads and acts take it briefly; the loop never holds
/// it across I/O to the broker.</summary>
public sealed partial class CommonsRuntime : BackgroundService, ICommonsRuntime
{
    private readonly PolicyStore _store;
    private readonly IStateStore _ledger;
    private readonly IDownlinkPublisher _publisher;
    private readonly CommitFeed _feed;
    private readonly CommonsOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<CommonsRuntime> _logger;
    private readonly string _statePath;
    private readonly string _auditPath;
    private readonly EventHub _events = new();
    private readonly Lock _gate = new();
    private readonly ICommonsStore _db;
    private readonly RuntimeAuditSink _audit;
    private readonly CommandBook _commands;
    private readonly CouncilActs _acts;
    private readonly BreakerBoard _breakers;
    private bool _initialized;
    private readonly CommonsMetrics? _metrics;

    internal CommonsRuntime(PolicyStore store, IStateStore ledger, IDownlinkPublisher publisher, CommitFeed feed,
        CommonsOptions options, string dataDirectory, TimeProvider time, ILogger<CommonsRuntime> logger, System.Diagnostics.Metrics.IMeterFactory? meters = null,
        OpenCommonsStore? openState = null)
    {
        (_store, _ledger, _publisher, _feed, _options, _time, _logger) = (store, ledger, publisher, feed, options, time, logger);
        if (meters is not null) _metrics = new CommonsMetrics(meters, () => _feed.Dropped, () => _commands?.OpenCount ?? 0, BreakerCounts);
        _statePath = Path.GetFullPath(options.StatePath(dataDirectory));
        _auditPath = Path.GetFullPath(options.AuditPath(dataDirectory));
        // The state store, the audit log and the command book exist from here on; what they restore from the
        // ledger waits for Initialize (the ledger opens when the host starts its writer, after construction).
        _db = (openState ?? ((path, _) => new CommonsDb(path)))(_statePath, store.Current.Community);
        _breakers = new BreakerBoard(_db, _time, _logger, _metrics);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(_auditPath)!);
            var auditLog = new AuditLog(_auditPath, _time);
            if (auditLog.TornTailPath is { } torn)
                _logger.LogWarning("Audit log {Audit} ended in a record torn by a crash; it was cut off and kept in {Torn}; the chain verifies", _auditPath, torn);
            _audit = new RuntimeAuditSink(auditLog, _events, _breakers.Changed, _db);
            _commands = new CommandBook(_db, _options, _time, CommandChanged, _metrics is null ? null : _metrics.ObserveTripLatency);
            _acts = new CouncilActs(store, _db, _audit, _time);
        }
        catch
        {
            _db.Dispose();
            throw;
        }
    }

    public bool HasPolicy => _store.HasPolicy;

    public string StatePath => _statePath;

    public string AuditPath => _auditPath;

    /// <summary>Trip latency: tripping reading committed -> its command handed to the broker.</summary>
    public LatencyRecorder TripLatency => _commands.TripLatency;

    /// <summary>Committed writes not evaluated because the queue was full.</summary>
    public long DroppedWrites => _feed.Dropped;

    /// <summary>Loads the command book, the policy's runtime and what was persisted, with usage and registers
    /// from the ledger. Needs the ledger open (registered after the ledger writer, started after it). Idempotent.</summary>
    public void Initialize()
    {
        lock (_gate)
        {
            if (_initialized) return;
            _commands.Load();
            RestorePolicy();
            Build();
            Restore();
            PushPolicy();
            _initialized = true;
        }
        _logger.LogInformation("Commons runtime: policy of {Community} v{Version}, state {State}, audit {Audit}, {Open} open commands",
            _store.Current.Community, _store.Current.Version, _statePath, _auditPath, _commands.OpenCount);
    }

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        Initialize();
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                using var wake = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wake.CancelAfter(NextWake());
                try { await _feed.Reader.WaitToReadAsync(wake.Token).ConfigureAwait(false); }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested) { }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                // The engine must outlive a bad write or a broken state file line: log, back off, go on.
                _logger.LogError(e, "Commons runtime loop failed; retrying in {TickMs} ms", _options.TickMs);
                await Task.Delay(TimeSpan.FromMilliseconds(_options.TickMs), _time, stoppingToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One pass: every queued write evaluated, the time-based work done, the due commands
    /// handed to the broker. Tests drive the runtime with it and a fake clock.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken = default)
    {
        Initialize();
        lock (_gate)
        {
            // One transaction per pass: every command is on disk before SendDueAsync hands it out.
            using var batch = _db.Batch();
            // Bounded: at most a queue's worth per pass, so commands go out even under a flood.
            var n = 0;
            for (; n < _options.QueueCapacity && _feed.Reader.TryRead(out var c); n++) Handle(c);
            _metrics?.CountEvaluated(n);
            Tick();
        }
        await SendDueAsync(cancellationToken).ConfigureAwait(false);
    }

    private TimeSpan NextWake()
    {
        var tick = TimeSpan.FromMilliseconds(_options.TickMs);
        long? due;
        lock (_gate) due = _commands.NextDueMs();
        if (due is null) return tick;
        var wait = TimeSpan.FromMilliseconds(due.Value - _time.GetUtcNow().ToUnixTimeMilliseconds());
        return wait < TimeSpan.Zero ? TimeSpan.Zero : wait < tick ? wait : tick;
    }

    private async Task SendDueAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<CommandRecord> due;
        lock (_gate)
        {
            using var batch = _db.Batch();
            due = _commands.Due();
        }
        if (due.Count == 0) return;
        // Meters in parallel, each meter's commands in order (a reset before the valve reopens).
        var sent = await Task.WhenAll(due.GroupBy(r => r.Meter).Select(async g =>
        {
            var results = new List<(CommandRecord, bool, long)>();
            foreach (var r in g) results.Add((r, await PublishAsync(r, cancellationToken).ConfigureAwait(false), System.Diagnostics.Stopwatch.GetTimestamp()));
            return results;
        })).ConfigureAwait(false);
        lock (_gate)
        {
            using var batch = _db.Batch();
            foreach (var (r, ok, at) in sent.SelectMany(x => x)) _commands.Attempted(r, ok, at);
        }
    }

    private async Task<bool> PublishAsync(CommandRecord r, CancellationToken cancellationToken)
    {
        try
        {
            if (!_publisher.CanPublish) return false;
            await _publisher.PublishAsync(DownTopic(r.Meter), CommandCodec.Encode(r.Wire), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            _logger.LogWarning("Command {Cid} to {Meter} not handed to the broker: {Error}", r.Cid, r.Meter, e.Message);
            return false;
        }
    }

    private string DownTopic(string meter) => $"commons/v1/{_store.Current.Community}/{meter}/down/cmd";

    private void CommandChanged(CommandRecord r)
    {
        _metrics?.CountCommand(r.State.ToString().ToLowerInvariant());
        if (r.State == CommandState.Escalated)
        {
            _logger.LogWarning("Command {Cid} to {Meter} escalated: {Why}", r.Cid, r.Meter, r.Why);
            // The audit sink publishes it as a "command" event.
            _audit.Append("actuation", AuditRoles.System, "command.escalated", new { cid = r.Cid, meter = r.Meter, command = r.Detail, attempts = r.Attempts, why = r.Why });
            return;
        }
        else if (r.State is CommandState.Pending && r.Attempts > 0) return;
        _events.Publish(new CommonsEvent("command", $"{r.Cid} {r.Detail} to {r.Meter}: {r.State.ToString().ToLowerInvariant()} ({r.Why})", _time.GetUtcNow(), r.Meter));
    }

    public IAsyncEnumerable<CommonsEvent> Subscribe(CancellationToken cancellationToken) => _events.Subscribe(cancellationToken);

    /// <summary>Non-closed breakers per (scope, state), for the metrics.</summary>
    private IReadOnlyList<(string Scope, string State, int Count)> BreakerCounts()
    {
        lock (_gate) return _initialized ? _breakers.NotClosedCounts() : [];
    }

    public override void Dispose()
    {
        base.Dispose();
        lock (_gate)
        {
            _acts.Dispose();
            _db.Dispose();
        }
    }
}
