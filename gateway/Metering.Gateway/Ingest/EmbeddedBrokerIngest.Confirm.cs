using Commons.Metering.Gateway.Ingest.Confirmations;
using Commons.Metering.Gateway.Ledger;
using Microsoft.Extensions.Logging;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>The embedded broker's side of end-to-end confirmation (docs/protocol.md,
/// "confirmation"): a confirming meter's reading or event is acknowledged without waiting for its
/// commit, and confirmations go out at QoS 0, straight into the device's session when it alone
/// can receive them (<see cref="DownlinkRoutes"/>).</summary>
internal sealed partial class EmbeddedBrokerIngest : IConfirmationPublisher
{
    /// <summary>Uplinks acknowledged and not yet committed, across all connections.</summary>
    private long _uncommitted;

    /// <summary>Past this many (Ledger:QueueCapacity, the ledger's own queue bound), a confirming
    /// meter's uplink waits for its commit like an old device's: the broker reads no further from
    /// that connection, so a ledger that cannot keep up slows the devices instead of filling memory.</summary>
    private long MaxUncommitted => options.Value.Ledger.QueueCapacity;

    /// <summary>True when the uplink was left to commit on its own and the handler may return (the
    /// PUBACK goes out now). False when it must be awaited as before: it is already done (refused at
    /// once, rejected), retained (kept for later subscribers after its commit), or too many are uncommitted.</summary>
    private bool LeaveToConfirmation(Task<IngestResult> handling, InterceptingPublishEventArgs e)
    {
        if (handling.IsCompleted || e.ApplicationMessage.Retain) return false;
        if (Interlocked.Increment(ref _uncommitted) > MaxUncommitted)
        {
            Interlocked.Decrement(ref _uncommitted);
            return false;
        }
        // Routing it on is for subscribers only (see _uplinksWanted).
        if (!_uplinksWanted) e.ProcessPublish = false;
        _ = ObserveCommitAsync(handling, e.ClientId, e.ApplicationMessage.Topic);
        return true;
    }

    /// <summary>Sees the commit through: every outcome observed here, none left to the finalizer. The
    /// confirmation itself comes from the ledger batch (ConfirmationHub).</summary>
    private async Task ObserveCommitAsync(Task<IngestResult> handling, string clientId, string topic)
    {
        try
        {
            await handling.ConfigureAwait(false);
            if (health.LedgerRecovered()) logger.LogWarning("Ledger commits succeed again: uplinks are acknowledged and confirmed again");
        }
        catch (OperationCanceledException)
        {
            // The connection ended while the write waited for room in the ledger's queue: not
            // committed, not confirmed, and no ledger failure; the device resends it.
        }
        catch (LedgerStoppedException)
        {
            _refusals.Log(LogLevel.Information, "gateway_stopping", $"client {clientId}", $"{topic}: not committed, the gateway is stopping; not confirmed, the device resends it");
        }
        catch (Exception ex)
        {
            // Not committed, so not confirmed. The connection is closed as for an older device: the
            // device then sends everything unconfirmed again, oldest first, when it is back, instead
            // of its later readings committing ahead of this one (a seq_gap, then a late reading,
            // booked in the wrong hour) until its confirmation timeout.
            LedgerFailed(ex, clientId, topic);
            _ = CloseAfterFailedCommitAsync(clientId);
        }
        finally
        {
            Interlocked.Decrement(ref _uncommitted);
        }
    }

    /// <summary>Clients being closed after a failed commit: one close per client and failure, however
    /// many of its uplinks fail behind the first.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _closing = new(StringComparer.Ordinal);

    private async Task CloseAfterFailedCommitAsync(string clientId)
    {
        if (_server is not { } server || !_closing.TryAdd(clientId, 0)) return;
        try
        {
            await server.DisconnectClientAsync(clientId, new MqttServerClientDisconnectOptions
            {
                ReasonCode = MqttDisconnectReasonCode.UnspecifiedError,
            }).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or ObjectDisposedException or OperationCanceledException or IOException)
        {
            // Gone already (its connection dropped, or the server is stopping): nothing to close.
        }
        finally
        {
            _closing.TryRemove(clientId, out _);
        }
    }

    /// <summary>QoS 0, not retained. Into the device's session when it alone subscribed to it (queued
    /// there if it is away; it resends whatever is unconfirmed when it is back, so an old one costs
    /// nothing), otherwise routed by MQTTnet like any injected message.</summary>
    public async Task PublishConfirmationAsync(string meter, string topic, byte[] payload, CancellationToken cancellationToken)
    {
        var server = _server ?? throw new InvalidOperationException("the embedded broker is not running");
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
            .Build();
        if (_routes.SoleRecipient(topic) is { } clientId && await SessionOf(server, clientId).ConfigureAwait(false) is { } session
            && session.TryEnqueueApplicationMessage(message, out _))
            return;
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = GatewaySenderId }, cancellationToken)
            .ConfigureAwait(false);
    }
}
