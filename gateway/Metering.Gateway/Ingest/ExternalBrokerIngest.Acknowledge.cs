using System.Buffers;
using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using MQTTnet;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>Acknowledgement of the external broker's deliveries: in receive order, each after its
/// commit, and never for one that did not commit.
///
/// While the ledger cannot commit (the disk under metering.db is full, the file is locked), the
/// gateway HOLDS: it keeps the connection and sends no PUBACK. The broker's in-flight window for the
/// gateway fills (mosquitto: max_inflight_messages) and everything after it stays queued in the
/// gateway's persistent session (max_queued_messages): backpressure toward the broker, and nothing
/// the broker acknowledged to a device is dropped by the gateway. /healthz answers 503 with the
/// reason. The oldest unacknowledged uplink is retried alone, with a backoff from
/// Broker:ReconnectMinDelayMs up to <see cref="MaxRetryDelayMs"/>; uplinks arriving meanwhile are
/// kept unsubmitted. When the retry commits, the rest of the window is submitted again in receive
/// order (so group commit takes it in one batch and no meter's readings overtake each other), the
/// PUBACKs go out and /healthz is 200 again: recovery needs no restart and no reconnect. A write the
/// ledger saw twice is a duplicate there, so nothing is counted twice.
/// Dropping the connection instead (as before) made the broker resend its whole window on every
/// reconnect, each time failing again, and hid the cause behind "disconnected".</summary>
internal sealed partial class ExternalBrokerIngest
{
    /// <summary>Our choice: after space returns, uplinks flow again within 5 s; a retry costs one
    /// small transaction.</summary>
    internal const int MaxRetryDelayMs = 5_000;

    private readonly Lock _gate = new();
    private Channel<Inflight>? _acks;

    /// <summary>Guarded by _gate: a commit failed, new uplinks are not submitted until the retry of
    /// the oldest one commits.</summary>
    private bool _holding;

    private bool Holding
    {
        get { lock (_gate) return _holding; }
    }

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        e.AutoAcknowledge = false;
        _watchdog.Heard();
        if (topic == _heartbeatTopic) _watchdog.Echoed();
        // A copy: MQTTnet may reuse the payload's buffer once this handler returns, and a held
        // uplink is submitted again later.
        var item = new Inflight(e, topic, e.ApplicationMessage.Payload.ToArray());
        lock (_gate)
        {
            if (!_holding) Submit(item);
            if (_acks is null || !_acks.Writer.TryWrite(item))
                logger.LogWarning("Uplink on {Topic} arrived while reconnecting; the broker will redeliver it", topic);
        }
        return Task.CompletedTask;
    }

    /// <summary>Hands the uplink to the ledger. A heartbeat has nothing to commit and is acknowledged
    /// in order with the uplinks. The first failure of a commit stops further submissions at once,
    /// so uplinks behind it are not committed ahead of it.</summary>
    private void Submit(Inflight item)
    {
        Task<IngestResult> commit;
        try
        {
            commit = item.Topic == _heartbeatTopic
                ? Task.FromResult(new IngestResult(IngestStatus.Committed))
                : pipeline.HandleAsync(item.Topic, new ReadOnlySequence<byte>(item.Payload), CancellationToken.None);
        }
        catch (Exception ex)
        {
            commit = Task.FromException<IngestResult>(ex);
        }
        item.Commit = commit;
        if (!commit.IsCompletedSuccessfully)
            _ = commit.ContinueWith(_ =>
            {
                lock (_gate) _holding = true;
            }, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    private async Task AcknowledgeInOrderAsync(IMqttClient client, ChannelReader<Inflight> reader, CancellationToken stop)
    {
        var window = new Queue<Inflight>();
        var retryMs = _o.ReconnectMinDelayMs;
        var heldSince = 0L;
        try
        {
            while (window.Count > 0 || await reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                while (reader.TryRead(out var next)) window.Enqueue(next);
                var head = window.Peek();
                if (head.Commit is null) Submit(head); // holding: the oldest alone probes the ledger
                try
                {
                    await head.Commit!.WaitAsync(stop).ConfigureAwait(false);
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    if (heldSince == 0) heldSince = Stopwatch.GetTimestamp();
                    Hold(ex, head.Topic, retryMs);
                    await Task.Delay(TimeSpan.FromMilliseconds(retryMs), time, stop).ConfigureAwait(false);
                    retryMs = Math.Min(retryMs * 2, Math.Max(_o.ReconnectMinDelayMs, MaxRetryDelayMs));
                    head.Commit = null;
                    continue;
                }
                window.Dequeue();
                if (Holding)
                {
                    await ResumeAsync(reader, window, heldSince, stop).ConfigureAwait(false);
                    retryMs = _o.ReconnectMinDelayMs;
                    heldSince = 0;
                }
                if (!client.IsConnected) continue;
                try
                {
                    await head.Message.AcknowledgeAsync(CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    logger.LogDebug(ex, "PUBACK for {Topic} not sent (connection lost); it will be redelivered", head.Topic);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            // The connection ended: the broker redelivers whatever was not acknowledged.
        }
    }

    /// <summary>Turns /healthz to 503 with the cause; logs the first failure of an episode in full
    /// (the ledger writer logs the rest, rate-limited).</summary>
    private void Hold(Exception ex, string topic, int retryMs)
    {
        lock (_gate) _holding = true;
        _watchdog.Holding = true;
        if (health.LedgerFailed(ex.Message))
            logger.LogError(ex, "Ledger commit failed ({Reason}): uplinks are NOT acknowledged until commits succeed again; the broker " +
                "{Endpoint} keeps them in the session of '{ClientId}'. Retrying every {RetryMs} ms up to {MaxRetryMs} ms. First: {Topic}",
                ex.Message, _endpoint, _clientId, retryMs, MaxRetryDelayMs, topic);
    }

    /// <summary>The probe committed: every earlier submission has finished by now (the ledger writer
    /// works in submission order), so the window is submitted again, in order, for what did not commit.</summary>
    private async Task ResumeAsync(ChannelReader<Inflight> reader, Queue<Inflight> window, long heldSince, CancellationToken stop)
    {
        foreach (var item in window)
        {
            if (item.Commit is not { } c) continue;
            try { await c.WaitAsync(stop).ConfigureAwait(false); }
            catch (Exception) when (!stop.IsCancellationRequested) { } // resubmitted below
        }
        lock (_gate)
        {
            while (reader.TryRead(out var next)) window.Enqueue(next);
            foreach (var item in window)
                if (item.Commit is not { IsCompletedSuccessfully: true }) Submit(item);
            _holding = false;
        }
        _watchdog.Holding = false;
        if (health.LedgerRecovered())
            logger.LogWarning("Ledger commits succeed again after {Seconds:F1} s: acknowledging the {Count} uplinks held meanwhile and what the broker kept",
                heldSince == 0 ? 0 : Stopwatch.GetElapsedTime(heldSince).TotalSeconds, window.Count + 1);
    }

    private sealed class Inflight(MqttApplicationMessageReceivedEventArgs message, string topic, byte[] payload)
    {
        public MqttApplicationMessageReceivedEventArgs Message { get; } = message;
        public string Topic { get; } = topic;
        public byte[] Payload { get; } = payload;

        /// <summary>Null while held back (not submitted yet, or to be retried).</summary>
        public Task<IngestResult>? Commit { get; set; }
    }
}
