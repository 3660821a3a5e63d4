using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>Runs every sink's drain loop: a full batch is followed at once by the next. Once caught
/// up, the loop waits for the ledger to commit readings (<see cref="SinkOutboxSignal"/>), then LingerMs
/// more so that a batch gathers, and writes; with nothing committed it looks again after
/// FlushIntervalMs. After a failed cycle it waits FlushIntervalMs (the retry and breaker pipeline
/// paces the writes). With no sink configured it prunes the outbox every FlushIntervalMs instead (the
/// ledger then writes no outbox rows; this removes those of an earlier configuration), so the
/// gateway runs without InfluxDB and its disk does not fill with undeliverable rows.</summary>
internal sealed partial class SinkDrainService : BackgroundService
{
    private readonly SinkSet _sinks;
    private readonly TimeProvider _time;
    private readonly ILogger<SinkDrainService> _log;
    private readonly SinkOutboxSignal _signal;

    public SinkDrainService(SinkSet sinks, SinkOutboxSignal signal, TimeProvider time, ILogger<SinkDrainService> log)
    {
        _sinks = sinks;
        _signal = signal;
        _time = time;
        _log = log;
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = _sinks.Options;
        if (_sinks.Drains.Count == 0)
        {
            LogNoSink(_log, _sinks.Outbox.Location);
            return RunLoopAsync("none", _ => Task.FromResult(PruneWithoutSink()), wakeOnCommit: false, stoppingToken);
        }
        foreach (var d in _sinks.Drains) LogStart(_log, d.Name, o.Kind, InfluxOptions.MaskUrl(o.Url), _sinks.Outbox.Location);
        return Task.WhenAll(_sinks.Drains.Select(d => RunLoopAsync(d.Name, d.DrainOnceAsync, wakeOnCommit: true, stoppingToken)));
    }

    private async Task RunLoopAsync(string name, Func<CancellationToken, Task<DrainOutcome>> cycle, bool wakeOnCommit, CancellationToken ct)
    {
        var pause = TimeSpan.FromMilliseconds(_sinks.Options.FlushIntervalMs);
        var linger = TimeSpan.FromMilliseconds(_sinks.Options.LingerMs);
        while (!ct.IsCancellationRequested)
        {
            var outcome = DrainOutcome.Failed;
            var seen = _signal.Version;
            try
            {
                outcome = await cycle(ct).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogUnexpected(_log, name, e); // the loop must outlive any bug in one cycle
            }
            if (outcome == DrainOutcome.Full) continue;
            try
            {
                if (wakeOnCommit && outcome is (DrainOutcome.Idle or DrainOutcome.Partial))
                {
                    if (await _signal.WaitAsync(seen, pause, _time, ct).ConfigureAwait(false) && linger > TimeSpan.Zero)
                        await Task.Delay(linger, _time, ct).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(pause, _time, ct).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private DrainOutcome PruneWithoutSink() =>
        _sinks.Outbox.PruneAll() > 0 ? DrainOutcome.Partial : DrainOutcome.Idle;

    [LoggerMessage(Level = LogLevel.Information, Message = "Sink {Sink}: draining {Database} to InfluxDB {Kind} at {Url}")]
    private static partial void LogStart(ILogger log, string sink, InfluxKind kind, string url, string database);

    [LoggerMessage(Level = LogLevel.Information, Message = "No time-series sink configured (Metering:Influx:Kind=None): outbox rows of {Database} are pruned, the ledger stays the record")]
    private static partial void LogNoSink(ILogger log, string database);

    [LoggerMessage(Level = LogLevel.Error, Message = "Sink {Sink}: unexpected failure in a drain cycle")]
    private static partial void LogUnexpected(ILogger log, string sink, Exception e);
}
