using System.Net;
using System.Net.Sockets;
using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MQTTnet.Server;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>The in-process broker (MQTTnet.Server 5) and the hook that holds each device's PUBACK
/// until the ledger committed the uplink.
///
/// Finding (MQTTnet source, Source/MQTTnet.Server/Internal/MqttConnectedClient.cs,
/// HandleIncomingPublishPacket, and Source/MQTTnet.Server/Internal/MqttClientSessionsManager.cs,
/// DispatchApplicationMessage): for a QoS 1 PUBLISH the client's receive loop awaits
/// DispatchApplicationMessage, which awaits the InterceptingPublish handlers
/// (_eventContainer.InterceptingPublishEvent.InvokeAsync) before anything else; only after it returns
/// is the PUBACK created (MqttPubAckPacketFactory.Create) and enqueued. If the handler sets
/// CloseConnection, the connection is stopped and NO PUBACK is sent. So awaiting the commit inside
/// InterceptingPublishAsync is exactly "PUBACK after commit", and a failed commit closes the
/// connection so the device keeps the reading and sends it again.
/// Consequence: one connection's publishes are handled one after the other (the receive loop awaits),
/// so group commit batches across devices, not within one device's burst.</summary>
internal sealed class EmbeddedBrokerIngest(
    IngestPipeline pipeline,
    BrokerHealth health,
    IOptions<GatewayOptions> options,
    ILogger<EmbeddedBrokerIngest> logger) : IHostedService, IDisposable
{
    private MqttServer? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var o = options.Value.Broker;
        var factory = new MqttServerFactory();
        var address = IPAddress.Parse(o.Host);
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var serverOptions = factory.CreateServerOptionsBuilder()
            .WithDefaultEndpoint()
            // Bind only the configured address: MQTTnet otherwise also listens on [::] (all IPv6
            // interfaces); IPAddress.None switches a family off (MqttTcpServerAdapter.RegisterListeners).
            .WithDefaultEndpointBoundIPAddress(v6 ? IPAddress.None : address)
            .WithDefaultEndpointBoundIPV6Address(v6 ? address : IPAddress.None)
            .WithDefaultEndpointPort(o.Port)
            // Devices connect with cleanSession=false (docs/protocol.md, "Transport"): keep their sessions.
            .WithPersistentSessions()
            .Build();
        // Like Kestrel: a restart right after a crash must not fail on the old connections' TIME_WAIT.
        serverOptions.DefaultEndpointOptions.ReuseAddress = true;
        _server = factory.CreateMqttServer(serverOptions);
        _server.InterceptingPublishAsync += OnPublishAsync;
        await _server.StartAsync().ConfigureAwait(false);
        health.Set(true, $"embedded broker listening on {o.Host}:{o.Port}");
        logger.LogInformation("Embedded MQTT broker listening on {Host}:{Port}", o.Host, o.Port);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        health.Set(false, "stopping");
        if (_server is not null) await _server.StopAsync().ConfigureAwait(false);
    }

    public void Dispose() => _server?.Dispose();

    private async Task OnPublishAsync(InterceptingPublishEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (!UplinkTopic.IsUplinkCandidate(topic)) return;
        try
        {
            // Returning from this handler releases the PUBACK (see the class comment).
            await pipeline.HandleAsync(topic, e.ApplicationMessage.Payload, e.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            // Not committed: no PUBACK. Closing the connection makes the device resend it.
            logger.LogError(ex, "Uplink from {ClientId} on {Topic} not committed; closing its connection so it is sent again",
                e.ClientId, topic);
            e.ProcessPublish = false;
            e.CloseConnection = true;
        }
    }
}
