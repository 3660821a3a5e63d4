using System.Threading.Channels;
using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>Ingest from an external broker (mosquitto, EMQX): a persistent session (fixed client id,
/// cleanSession=false) subscribed to commons/v1/+/+/up/# at QoS 1, with manual acknowledgement.
/// The receive handler only queues the uplink for the ledger (AutoAcknowledge=false), so up to the
/// broker's in-flight window is committing at once and group commit can batch it; an acknowledger
/// sends the PUBACKs in receive order (MQTT 3.1.1 section 4.6) once each commit is done. A failed
/// commit is retried in place until it succeeds (the broker keeps everything not yet acknowledged).
/// MQTTnet 5 client: Source/MQTTnet/MqttClient.cs, ProcessReceivedPublishPackets, acknowledges
/// only when eventArgs.AutoAcknowledge stays true; AcknowledgeAsync sends the PUBACK later.
/// A failing ledger (e.g. a full disk) holds the PUBACKs back without dropping the connection: see
/// ExternalBrokerIngest.Acknowledge.cs.
/// A <see cref="SubscriptionWatchdog"/> publishes heartbeats to the gateway's own subscription and
/// reconnects when the broker goes silent while the connection still looks up.
/// Devices that announce "confirm":1 are also sent end-to-end confirmations through this connection
/// (QoS 0, <see cref="PublishConfirmationAsync"/>; Confirmations/ConfirmationHub.cs): the broker's
/// PUBACK to them is only as safe as that broker's memory, the confirmation follows the commit.
/// With a <c>community</c> (a cluster instance's session for one owned community, Cluster/ClusterIngest.cs)
/// it subscribes to that community's uplinks only, as client {Broker:ClientId}-{community}, so the
/// broker keeps that community's queue in a session of its own that moves with the lease.</summary>
internal sealed partial class ExternalBrokerIngest(
    IngestPipeline pipeline,
    BrokerHealth health,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<ExternalBrokerIngest> logger,
    System.Diagnostics.Metrics.IMeterFactory? meters = null,
    string? community = null) : BackgroundService, IDownlinkPublisher, Confirmations.IConfirmationPublisher
{
    /// <summary>SO_RCVBUF and SO_SNDBUF of the gateway's connection to the broker. MQTTnet sets both
    /// to its BufferSize (8 KB by default), which also turns off Linux's receive-buffer autotuning.
    /// The gateway's one connection carries every device's uplinks: with 8 KB, a broker sending a
    /// backlog overran the buffer, the kernel dropped segments (TcpExtRcvPruned) and the broker's TCP
    /// backed off for seconds; the subscription then looked deaf and the watchdog reconnected
    /// (measured: 1 `e2e` external run in 3-5 took 16-20 s instead of 5; docs/benchmarks.md). Our
    /// choice: 1 MiB, which the kernel caps at net.core.rmem_max / wmem_max.</summary>
    internal const int SocketBufferBytes = 1 << 20;

    private readonly BrokerOptions _o = options.Value.Broker;
    private readonly BrokerMetrics? _metrics = meters is null ? null : new BrokerMetrics(meters);

    /// <summary>Broker:Servers (or Host:Port); <see cref="_endpoint"/> is the one of the current or
    /// next connection, the following one after every connection that ended or failed.</summary>
    private readonly IReadOnlyList<BrokerEndpoint> _endpoints = BrokerEndpoints.Of(options.Value.Broker);
    private int _next;
    private BrokerEndpoint _endpoint = BrokerEndpoints.Of(options.Value.Broker)[0];
    private readonly SubscriptionWatchdog _watchdog = new(time, options.Value.Broker.WatchdogIntervalMs, options.Value.Broker.WatchdogTimeoutMs);
    private readonly string _clientId = community is null ? options.Value.Broker.ClientId : $"{options.Value.Broker.ClientId}-{community}";
    private readonly string _filter = community is null ? UplinkTopic.SubscriptionFilter : $"{UplinkTopic.Root}/{UplinkTopic.LayoutVersion}/{community}/+/up/#";
    private readonly string _heartbeatTopic = SubscriptionWatchdog.HeartbeatTopic(
        community is null ? options.Value.Broker.ClientId : $"{options.Value.Broker.ClientId}-{community}");
    private long _heartbeats;
    private IMqttClient? _client;
    private TaskCompletionSource _disconnected = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public bool CanPublish => _client is { IsConnected: true };

    /// <summary>QoS 1 through the gateway's own connection: returns after the broker's PUBACK.</summary>
    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var client = _client is { IsConnected: true } c ? c : throw new InvalidOperationException($"not connected to the broker {_endpoint}");
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
        if (!result.IsSuccess) throw new InvalidOperationException($"broker refused the downlink on {topic}: {result.ReasonCode} {result.ReasonString}");
    }

    /// <summary>A confirmation (docs/protocol.md, "confirmation"): QoS 0 through the gateway's own
    /// connection, so nothing waits for the broker's answer.</summary>
    public async Task PublishConfirmationAsync(string meter, string topic, byte[] payload, CancellationToken cancellationToken)
    {
        var client = _client is { IsConnected: true } c ? c : throw new InvalidOperationException($"not connected to the broker {_endpoint}");
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtMostOnce)
            .Build();
        await client.PublishAsync(message, cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        _client = client;
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        client.DisconnectedAsync += _ =>
        {
            _disconnected.TrySetResult();
            return Task.CompletedTask;
        };
        var delayMs = _o.ReconnectMinDelayMs;
        while (!stoppingToken.IsCancellationRequested)
        {
            // Rotation: a node that died or went deaf is skipped on the next attempt; with one
            // endpoint this is always the same.
            _endpoint = _endpoints[_next];
            _next = (_next + 1) % _endpoints.Count;
            try
            {
                await ConnectAndRunAsync(client, stoppingToken).ConfigureAwait(false);
                delayMs = _o.ReconnectMinDelayMs;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                health.Set(false, $"broker {_endpoint} unreachable: {e.Message}");
                logger.LogWarning("Broker {Endpoint} not reachable ({Error}); retrying in {DelayMs} ms with {Next}",
                    _endpoint, e.Message, delayMs, _endpoints[_next]);
            }
            // Backoff with jitter so many gateways do not reconnect in step.
            var jittered = delayMs / 2 + Random.Shared.Next(delayMs / 2 + 1);
            try { await Task.Delay(TimeSpan.FromMilliseconds(jittered), time, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            delayMs = Math.Min(delayMs * 2, _o.ReconnectMaxDelayMs);
        }
        health.Set(false, "stopped");
        if (client.IsConnected)
        {
            try { await client.DisconnectAsync().ConfigureAwait(false); }
            catch (Exception e) { logger.LogDebug(e, "Disconnect on shutdown failed"); }
        }
    }

    /// <summary>The gateway's connection to the broker at <paramref name="endpoint"/>, as
    /// <paramref name="clientId"/> (Broker:ClientId when null).</summary>
    internal static MqttClientOptions ClientOptions(BrokerOptions o, BrokerEndpoint endpoint, string? clientId = null)
    {
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(endpoint.Host, endpoint.Port)
            .WithClientId(clientId ?? o.ClientId)
            // Persistent session: the broker keeps the subscription and queues uplinks while the gateway is away.
            .WithCleanSession(false)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30)); // MQTT keep-alive; the broker drops us after 1.5x
        if (!string.IsNullOrEmpty(o.Username)) builder = builder.WithCredentials(o.Username, o.Password);
        var options = builder.Build();
        ((MqttClientTcpOptions)options.ChannelOptions).BufferSize = SocketBufferBytes;
        return options;
    }

    private async Task ConnectAndRunAsync(IMqttClient client, CancellationToken stoppingToken)
    {
        _disconnected = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var acks = Channel.CreateUnbounded<Inflight>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        lock (_gate) _acks = acks;
        using var ackerStop = new CancellationTokenSource();
        var acker = Task.Run(() => AcknowledgeInOrderAsync(client, acks.Reader, ackerStop.Token), CancellationToken.None);
        try
        {
            var connect = await client.ConnectAsync(ClientOptions(_o, _endpoint, _clientId), stoppingToken).ConfigureAwait(false);
            if (connect.ResultCode != MqttClientConnectResultCode.Success)
                throw new InvalidOperationException($"CONNACK {connect.ResultCode}");
            // Resubscribe on every connection: harmless when the session already has it.
            var subscribe = new MqttClientSubscribeOptionsBuilder()
                .WithTopicFilter(_filter, MqttQualityOfServiceLevel.AtLeastOnce);
            // One community's filter does not cover the watchdog's heartbeat topic (commons/v1/_gateway/...).
            if (community is not null) subscribe = subscribe.WithTopicFilter(_heartbeatTopic, MqttQualityOfServiceLevel.AtLeastOnce);
            await client.SubscribeAsync(subscribe.Build(), stoppingToken).ConfigureAwait(false);
            health.Set(true, $"subscribed to {_filter} on {_endpoint} as '{_clientId}' (session present: {connect.IsSessionPresent})");
            logger.LogInformation("Connected to broker {Endpoint} as {ClientId}, session present: {SessionPresent}",
                _endpoint, _clientId, connect.IsSessionPresent);
            using var connection = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
            var deaf = _watchdog.Enabled
                ? _watchdog.RunAsync(ct => PublishHeartbeatAsync(client, ct), connection.Token)
                : Task.Delay(Timeout.Infinite, connection.Token).ContinueWith(_ => (false, ""), TaskScheduler.Default);
            try
            {
                var ended = await Task.WhenAny(_disconnected.Task, deaf).WaitAsync(stoppingToken).ConfigureAwait(false);
                if (ended == deaf && !_disconnected.Task.IsCompleted && await deaf.ConfigureAwait(false) is (false, var off))
                {
                    logger.LogWarning("Subscription watchdog off for this connection: {Why}", off);
                    await _disconnected.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
                }
                else if (ended == deaf && !_disconnected.Task.IsCompleted)
                {
                    var (_, why) = await deaf.ConfigureAwait(false);
                    health.Set(false, $"deaf on {_endpoint}: {why}; reconnecting");
                    _metrics?.CountWatchdogReconnect();
                    logger.LogWarning("Subscription watchdog: {Why}; dropping the connection to {Endpoint} to reconnect and subscribe again",
                        why, _endpoint);
                    await DropAsync(client).ConfigureAwait(false);
                    return;
                }
            }
            finally
            {
                await connection.CancelAsync().ConfigureAwait(false);
                // How a heartbeat cut short by the connection's end failed is of no interest.
                try { await deaf.ConfigureAwait(false); } catch (Exception) { }
            }
            health.Set(false, $"disconnected from {_endpoint}");
            logger.LogWarning("Disconnected from broker {Endpoint}", _endpoint);
        }
        finally
        {
            acks.Writer.TryComplete();
            // On a shutdown while connected, what commits now is still acknowledged (bounded: our
            // choice); a lost connection or a held ledger stops at once, the broker redelivers the rest.
            if (!client.IsConnected || Holding) await ackerStop.CancelAsync().ConfigureAwait(false);
            else ackerStop.CancelAfter(TimeSpan.FromSeconds(5));
            await acker.ConfigureAwait(false);
        }
    }

    /// <summary>QoS 1, so the broker keeps it in order with the uplinks; the payload only tells
    /// heartbeats apart in a broker trace.</summary>
    private Task PublishHeartbeatAsync(IMqttClient client, CancellationToken ct) =>
        client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic(_heartbeatTopic)
            .WithPayload(Interlocked.Increment(ref _heartbeats).ToString(System.Globalization.CultureInfo.InvariantCulture))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), ct);

    /// <summary>Closes a connection the watchdog found deaf; bounded, since a half-open socket may not
    /// take the DISCONNECT. The disconnected handler then ends the connection's wait.</summary>
    private async Task DropAsync(IMqttClient client)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)); // our bound
        try { await client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).ConfigureAwait(false); }
        catch (Exception e) { logger.LogDebug(e, "Disconnect of a deaf connection failed"); }
    }

}
