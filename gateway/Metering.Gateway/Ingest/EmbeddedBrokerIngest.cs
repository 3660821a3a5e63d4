using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.BrokerAccounts;
using Commons.Metering.Gateway.Telemetry;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet;
using MQTTnet.Protocol;
using MQTTnet.Server;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>The in-process broker (MQTTnet.Server 5) and the hook that decides when each device's
/// PUBACK goes out: after the ledger committed the uplink for a device that relies on it, at once
/// for a device that waits for end-to-end confirmations (docs/protocol.md, "confirmation").
///
/// Finding (MQTTnet source, Source/MQTTnet.Server/Internal/MqttConnectedClient.cs,
/// HandleIncomingPublishPacket, and Source/MQTTnet.Server/Internal/MqttClientSessionsManager.cs,
/// DispatchApplicationMessage): for a QoS 1 PUBLISH the client's receive loop awaits
/// DispatchApplicationMessage, which awaits the InterceptingPublish handlers
/// (_eventContainer.InterceptingPublishEvent.InvokeAsync) before anything else; only after it returns
/// is the PUBACK created (MqttPubAckPacketFactory.Create) and enqueued. If the handler sets
/// CloseConnection, the connection is stopped and NO PUBACK is sent. So awaiting the commit inside
/// InterceptingPublishAsync is exactly "PUBACK after commit", and a failed commit closes the
/// connection so the device keeps the reading and sends it again. That is what a device whose
/// status does not say "confirm":1 gets, and what every status and ack gets.
/// Consequence: one connection's publishes are handled one after the other (the receive loop awaits),
/// so group commit batches across devices, not within one device's burst.
/// A reading or event of a confirming meter is handed to the pipeline without awaiting its commit
/// (EmbeddedBrokerIngest.Confirm.cs): the PUBACK only frees the device's in-flight window, the
/// ledger writer takes the submissions in their order, and the ledger batch that holds it is what
/// the device hears of, through the ConfirmationHub's down/confirm. So a device's burst is batched too.
/// A failed commit is only logged (and turns /healthz to 503): the device gets no confirmation and
/// sends the uplink again.
/// Listeners: the plain one (Broker:Port; 0 = off when TLS is on) and the TLS one (Broker:Tls). Both
/// belong to the one server, so authentication, the ACL and the PUBACK rule are the same on both.
/// The TLS certificate is asked for at every handshake, so renewed files are picked up without a
/// restart (<see cref="ReloadingCertificate"/>).</summary>
internal sealed partial class EmbeddedBrokerIngest(
    IngestPipeline pipeline,
    BrokerHealth health,
    IOptions<GatewayOptions> options,
    ILogger<EmbeddedBrokerIngest> logger,
    IMeterFactory? meters = null,
    TimeProvider? time = null) : IHostedService, IDownlinkPublisher, IDisposable
{
    private readonly BrokerAuthorizer _auth = new(options, logger);
    private readonly BrokerMetrics? _metrics = meters is null ? null : new BrokerMetrics(meters);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly ConnectThrottle _throttle = new(time ?? TimeProvider.System,
        options.Value.Broker.AuthFailureDelayMs, options.Value.Broker.AuthFailureMaxDelayMs);

    // Refusals come from outside and may come in floods: one line per kind per window.
    private readonly RateLimitedLog _refusals = new(logger, TimeProvider.System, RateLimitedLog.DefaultWindow);
    private MqttServer? _server;
    private ReloadingCertificate? _certificate;

    /// <summary>SessionItems key of the authenticated account (set at connect).</summary>
    private const string AccountKey = "metering.account";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value.Broker;
        if (o.Tls.Enabled)
            // Asked on every TLS handshake: a renewed certificate needs no restart (ReloadingCertificate).
            _certificate = new ReloadingCertificate(o.Tls, _time, logger, _metrics?.Meter);
        var certificate = _certificate?.Current;
        var factory = new MqttServerFactory();
        var serverOptions = ServerOptions(factory, o, _certificate);
        // Broker:MaxPacketBytes: MQTTnet's TCP listeners with each connection's packet size bounded (Ingest/PacketSizeLimit.cs).
        _server = factory.CreateMqttServer(serverOptions, [new PacketSizeLimitedServerAdapter(o.MaxPacketBytes, OversizedPacket)]);
        _server.InterceptingPublishAsync += OnPublishAsync;
        _server.InterceptingSubscriptionAsync += OnSubscribeAsync;
        _server.InterceptingUnsubscriptionAsync += e =>
        {
            _routes.Unsubscribed(e.ClientId, e.Topic);
            return Task.CompletedTask;
        };
        _server.SessionDeletedAsync += e =>
        {
            _routes.Forget(e.Id);
            return Task.CompletedTask;
        };
        _server.ValidatingConnectionAsync += OnConnectAsync;
        if (_auth.Required)
            logger.LogInformation("Embedded broker requires authentication; accounts from {Path}", Path.GetFullPath(_auth.FilePath));
        await _server.StartAsync().ConfigureAwait(false);
        var listening = string.Join(", ", new[]
        {
            o.Port > 0 ? $"{o.Host}:{o.Port}" : null,
            o.Tls.Enabled ? $"{o.Host}:{o.Tls.Port} (TLS, certificate {certificate!.Subject}, valid until {certificate.NotAfter:u})" : null,
        }.Where(l => l is not null));
        health.Set(true, $"embedded broker listening on {listening}");
        logger.LogInformation("Embedded MQTT broker listening on {Listeners}", listening);
    }

    /// <summary>The MQTTnet server's options from Broker:*: persistent sessions, the plain listener
    /// (Broker:Port, 0 = off) and the TLS one (Broker:Tls) on Broker:Host only. Also what `e2e` runs
    /// as the embedded broker's broker-only reference (tools/Metering.Bench), so that reference is
    /// this broker as the gateway configures it.</summary>
    internal static MqttServerOptions ServerOptions(MqttServerFactory factory, BrokerOptions o, ReloadingCertificate? certificate)
    {
        var address = IPAddress.Parse(o.Host);
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var builder = factory.CreateServerOptionsBuilder()
            // Devices connect with cleanSession=false (docs/protocol.md, "Transport"): keep their sessions.
            .WithPersistentSessions();
        // Bind only the configured address: MQTTnet otherwise also listens on [::] (all IPv6
        // interfaces); IPAddress.None switches a family off (MqttTcpServerAdapter.RegisterListeners).
        if (o.Port > 0)
            builder = builder.WithDefaultEndpoint()
                .WithDefaultEndpointBoundIPAddress(v6 ? IPAddress.None : address)
                .WithDefaultEndpointBoundIPV6Address(v6 ? address : IPAddress.None)
                .WithDefaultEndpointPort(o.Port);
        else
            builder = builder.WithoutDefaultEndpoint();
        if (certificate is not null)
            builder = builder.WithEncryptedEndpoint()
                .WithEncryptedEndpointBoundIPAddress(v6 ? IPAddress.None : address)
                .WithEncryptedEndpointBoundIPV6Address(v6 ? address : IPAddress.None)
                .WithEncryptedEndpointPort(o.Tls.Port)
                .WithEncryptionCertificate(certificate)
                // TLS 1.2 and 1.3 (RFC 8996 deprecates 1.0/1.1); the OS picks the highest both speak.
                .WithEncryptionSslProtocol(SslProtocols.Tls12 | SslProtocols.Tls13);
        var serverOptions = builder.Build();
        // Like Kestrel: a restart right after a crash must not fail on the old connections' TIME_WAIT.
        serverOptions.DefaultEndpointOptions.ReuseAddress = true;
        serverOptions.TlsEndpointOptions.ReuseAddress = true;
        return serverOptions;
    }

    private void OversizedPacket(EndPoint? from, long announcedBytes)
    {
        _metrics?.CountOversizedPacket();
        _refusals.Log(LogLevel.Warning, "broker_packet_too_large", $"client at {from}",
            $"announced a packet of {announcedBytes} bytes, above Metering:Broker:MaxPacketBytes {options.Value.Broker.MaxPacketBytes}: connection closed before reading it");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        health.Set(false, "stopping");
        if (_server is not null) await _server.StopAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _server?.Dispose();
        _certificate?.Dispose();
    }

    public bool CanPublish => _server is { IsStarted: true };

    /// <summary>Queued in the device's persistent session (delivered at QoS 1, or when it is back if it
    /// sleeps): straight into that session when it alone can receive it (<see cref="DownlinkRoutes"/>),
    /// otherwise injected as the server itself (its session items pass the ACL check) and routed by
    /// MQTTnet to every subscriber.</summary>
    public async Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        var server = _server ?? throw new InvalidOperationException("the embedded broker is not running");
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        if (_routes.SoleRecipient(topic) is { } clientId && await SessionOf(server, clientId).ConfigureAwait(false) is { } session
            && session.TryEnqueueApplicationMessage(message, out _))
            return;
        await server.InjectApplicationMessage(new InjectedMqttApplicationMessage(message) { SenderClientId = GatewaySenderId }, cancellationToken)
            .ConfigureAwait(false);
    }

    /// <summary>The client's session, or null when it has none (MQTTnet throws then).</summary>
    private static async Task<MqttSessionStatus?> SessionOf(MqttServer server, string clientId)
    {
        try { return await server.GetSessionAsync(clientId).ConfigureAwait(false); }
        catch (InvalidOperationException) { return null; }
    }

    private readonly DownlinkRoutes _routes = new();

    /// <summary>The sender id of downlinks the gateway injects.</summary>
    public const string GatewaySenderId = "metering-gateway";

    /// <summary>Every connect. An accepted clean-session connect drops the client's old subscriptions,
    /// so its commands no longer take the shortcut (<see cref="DownlinkRoutes"/>) until it subscribes
    /// again.</summary>
    private async Task OnConnectAsync(ValidatingConnectionEventArgs e)
    {
        if (_auth.Required && !await AuthenticateAsync(e).ConfigureAwait(false)) return;
        if (e.CleanSession != false) _routes.Forget(e.ClientId);
    }

    /// <summary>Anonymous, unknown user, wrong password, or a device not using its meter id as
    /// client id: refused with "bad user name or password" (MQTT 3.1.1 return code 4), counted by
    /// reason, and remembered: the next connect of that user (or address) waits first
    /// (BrokerAccounts/ConnectThrottle.cs). The password is never logged, not even masked.</summary>
    private async Task<bool> AuthenticateAsync(ValidatingConnectionEventArgs e)
    {
        var address = (e.RemoteEndPoint as IPEndPoint)?.Address.ToString();
        if (!_throttle.TryReserve(e.UserName, address, out var delay))
        {
            // Its slot lies further off than Broker:AuthFailureMaxDelayMs: parallel guessing, refused unchecked.
            _metrics?.CountAuthFailure("throttled");
            _refusals.Log(LogLevel.Warning, "broker_refused_connect", $"client {e.ClientId} from {address}",
                $"user {e.UserName}: throttled (too many refused connects of this user at once; not checked)");
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            return false;
        }
        if (delay > TimeSpan.Zero)
        {
            _metrics?.CountAuthDelayed();
            await Task.Delay(delay, _time, e.CancellationToken).ConfigureAwait(false);
        }
        var account = _auth.Authenticate(e.UserName, e.Password, e.ClientId, out var refusal);
        if (account is null)
        {
            _throttle.Failed(e.UserName, address);
            _metrics?.CountAuthFailure(refusal!);
            _refusals.Log(LogLevel.Warning, "broker_refused_connect", $"client {e.ClientId} from {address}",
                $"user {e.UserName ?? "(anonymous)"}: {refusal} (delayed {delay.TotalMilliseconds:F0} ms first)");
            e.ReasonCode = MqttConnectReasonCode.BadUserNameOrPassword;
            return false;
        }
        _throttle.Succeeded(account.User, address);
        e.SessionItems[AccountKey] = account;
        return true;
    }

    private Task OnSubscribeAsync(InterceptingSubscriptionEventArgs e)
    {
        var filter = e.TopicFilter.Topic;
        if (_auth.Required && !(e.SessionItems?[AccountKey] is BrokerAccount account && BrokerAuthorizer.MaySubscribe(account, filter)))
        {
            _refusals.Log(LogLevel.Warning, "broker_refused_subscribe", filter, $"client {e.ClientId}: outside its ACL");
            e.ProcessSubscription = false;
            e.Response.ReasonCode = MqttSubscribeReasonCode.NotAuthorized;
            return Task.CompletedTask;
        }
        if (_routes.Subscribed(e.ClientId, filter))
        {
            _metrics?.DownlinksRouted();
            logger.LogInformation("Client {ClientId} subscribed to {Filter}: downlinks are routed through every session from now on", e.ClientId, filter);
        }
        if (!_uplinksWanted && UplinkTopic.FilterMayMatch(filter))
        {
            _uplinksWanted = true;
            _metrics?.UplinksRouted();
            logger.LogInformation("Client {ClientId} subscribed to {Filter}: uplinks are forwarded to subscribers from now on", e.ClientId, filter);
        }
        return Task.CompletedTask;
    }

    /// <summary>Whether any client ever subscribed to a filter that can match an uplink (an operator's
    /// mosquitto_sub, an integration). Until one does, a committed uplink is not handed on to
    /// MQTTnet's routing: it would find no subscriber, but only after checking every session that
    /// holds a subscription, and every device holds one (its down/cmd), so each uplink cost
    /// O(connected devices) and a copy of the session list (MqttClientSessionsManager
    /// .DispatchApplicationMessage). Retained messages (the status, the last will) are stored as
    /// retained all the same (MqttServer.UpdateRetainedMessageAsync), so a later subscriber still finds
    /// every device's last status. Never reset while the gateway runs: MQTTnet
    /// replaces a clean session on reconnect without a SessionDeleted event
    /// (MqttClientSessionsManager.CreateClientConnection), so its events cannot tell reliably when the
    /// last uplink subscription is gone, and routing too little would lose a subscriber's messages.</summary>
    private volatile bool _uplinksWanted;

    /// <summary>With authentication on, a client's publish outside its ACL is dropped like mosquitto
    /// does (MQTT 3.1.1 has no way to refuse a PUBLISH; the PUBACK still goes out). Messages the
    /// server itself injects come with the server's session items (MqttServer.ServerSessionItems,
    /// MQTTnet docs of InjectedMqttApplicationMessage.CustomSessionItems) and pass; anything else
    /// without an account is refused (fail closed).</summary>
    private bool PublishAllowed(InterceptingPublishEventArgs e)
    {
        if (!_auth.Required) return true;
        if (_server is not null && ReferenceEquals(e.SessionItems, _server.ServerSessionItems)) return true;
        return e.SessionItems?[AccountKey] is BrokerAccount account && BrokerAuthorizer.MayPublish(account, e.ApplicationMessage.Topic);
    }

    private async Task OnPublishAsync(InterceptingPublishEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (!PublishAllowed(e))
        {
            _refusals.Log(LogLevel.Warning, "broker_dropped_publish", topic, $"client {e.ClientId}: outside its ACL");
            e.ProcessPublish = false;
            return;
        }
        if (!UplinkTopic.IsUplinkCandidate(topic)) return;
        try
        {
            var handling = pipeline.HandleAsync(topic, e.ApplicationMessage.Payload, e.CancellationToken, out var confirmed);
            // A confirming meter's reading or event: PUBACK now, the confirmation follows the commit.
            if (confirmed && LeaveToConfirmation(handling, e)) return;
            // Returning from this handler releases the PUBACK (see the class comment).
            var result = await handling.ConfigureAwait(false);
            // Consumed: the ledger has it (or refused it for good); routing it on is for subscribers only.
            if (!_uplinksWanted && result.Reason != RejectReason.BadTopic)
            {
                e.ProcessPublish = false;
                // A retained one (the status, the last will) is kept for a later subscriber, as
                // routing would keep it, without routing it through every session to find nobody.
                if (e.ApplicationMessage.Retain && _server is { } server) await server.UpdateRetainedMessageAsync(e.ApplicationMessage).ConfigureAwait(false);
            }
            if (health.LedgerRecovered()) logger.LogWarning("Ledger commits succeed again: uplinks are acknowledged again");
        }
        catch (IngestRefusedException)
        {
            // Refused (e.g. rate_limited): the pipeline counted and logged it (rate-limited). No
            // PUBACK; closing the connection makes the device keep the reading and resend it later.
            e.ProcessPublish = false;
            e.CloseConnection = true;
        }
        catch (LedgerStoppedException)
        {
            // The gateway is stopping, and MQTTnet still hands on what arrives while it closes (the
            // devices' last wills among it). Not committed, so no PUBACK: the device sends it again to
            // the next run. A normal stop, not a ledger failure: /healthz and the Error log stay clean.
            _refusals.Log(LogLevel.Information, "gateway_stopping", $"client {e.ClientId}", $"{topic}: not committed, the gateway is stopping");
            e.ProcessPublish = false;
            e.CloseConnection = true;
        }
        catch (Exception ex) when (!(ex is OperationCanceledException && e.CancellationToken.IsCancellationRequested))
        {
            // Not committed: no PUBACK. Closing the connection makes the device resend it.
            LedgerFailed(ex, e.ClientId, topic);
            e.ProcessPublish = false;
            e.CloseConnection = true;
        }
    }

    /// <summary>The first failure is logged in full and turns /healthz to 503 with its reason (a full
    /// disk reads "database or disk is full") until an uplink commits again; further ones while it
    /// lasts are rate-limited, since every device retries.</summary>
    private void LedgerFailed(Exception ex, string clientId, string topic)
    {
        if (health.LedgerFailed(ex.Message))
        {
            logger.LogError(ex, "Ledger commit failed ({Reason}): uplinks are NOT acknowledged until commits succeed again; devices keep " +
                "and resend them. First: {ClientId} on {Topic}", ex.Message, clientId, topic);
            return;
        }
        _refusals.Log(LogLevel.Error, "uplink_not_committed", $"client {clientId}", $"{topic}: {ex.Message}; connection closed, the device resends it");
    }
}
