using Commons.Metering.Gateway.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Ingest.Confirmations;

/// <summary>Publishes what the <see cref="ConfirmationHub"/> has due: woken by every ledger batch,
/// refusal or announcing status, and by the earliest release time of a paced meter. One task, off
/// the ledger writer's thread, so publishing never delays a commit. A confirmation the broker does
/// not take is counted and dropped: the device sends the uplink again and is confirmed then.</summary>
internal sealed class ConfirmationSender(
    ConfirmationHub hub,
    IConfirmationPublisher publisher,
    ConfirmationMetrics metrics,
    TimeProvider time,
    ILogger<ConfirmationSender> logger) : BackgroundService
{
    private readonly RateLimitedLog _log = new(logger, time, RateLimitedLog.DefaultWindow);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var wake = hub.Arm();
            DateTimeOffset? nextRelease = null;
            try
            {
                var due = hub.TakeDue(out nextRelease);
                foreach (var confirmation in due) await SendAsync(confirmation, stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A bug here must not stop the gateway (a BackgroundService's exception stops the
                // host): what was taken is lost, and the devices resend it.
                _log.Log(LogLevel.Error, "confirmations_failed", "down/confirm", $"{e.GetType().Name}: {e.Message}");
            }
            try { await WaitAsync(wake, nextRelease, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
        }
    }

    private async Task WaitAsync(Task wake, DateTimeOffset? nextRelease, CancellationToken stoppingToken)
    {
        if (nextRelease is not { } at)
        {
            await wake.WaitAsync(stoppingToken).ConfigureAwait(false);
            return;
        }
        var delay = at - time.GetUtcNow();
        if (delay <= TimeSpan.Zero) return;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var release = Task.Delay(delay, time, stop.Token);
        await Task.WhenAny(wake, release).ConfigureAwait(false);
        await stop.CancelAsync().ConfigureAwait(false);
        // Observed: a cancelled delay is no error, a stop is seen by the loop.
        try { await release.ConfigureAwait(false); } catch (OperationCanceledException) { }
        stoppingToken.ThrowIfCancellationRequested();
    }

    private async Task SendAsync(Confirmation c, CancellationToken stoppingToken)
    {
        if (!publisher.CanPublish)
        {
            metrics.CountUnsent();
            return;
        }
        try
        {
            await publisher.PublishConfirmationAsync(c.Meter, c.Topic, c.Payload, stoppingToken).ConfigureAwait(false);
            metrics.CountSent(c.Seqs);
        }
        catch (Exception e) when (!stoppingToken.IsCancellationRequested)
        {
            metrics.CountUnsent();
            _log.Log(LogLevel.Warning, "confirmation_unsent", c.Topic, $"{e.GetType().Name}: {e.Message}; the device resends and is confirmed then");
        }
    }
}
