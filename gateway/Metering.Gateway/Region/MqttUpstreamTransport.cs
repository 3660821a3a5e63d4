using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;

namespace Commons.Metering.Gateway.Region;

/// <summary>The upward link over MQTT (Upstream:Transport = mqtt): the community's own MQTTnet client
/// on the region's broker (the region gateway's embedded one, or a mosquitto the region's listener
/// also uses), signed in as its community account (user and client id = community id, password =
/// its upstream token). A report is published at QoS 1 on commons/v1/{region}/{community}/up/report
/// and leaves the outbox only when the region's answer naming its seq arrives on .../down/answer, sent
/// after the region's commit: the broker's PUBACK says nothing about the region's ledger (the same
/// end-to-end confirmation as a device's). No answer within AnswerTimeoutSeconds = not delivered: the
/// report is sent again, and a resend the region already holds is answered as a duplicate, counted once.
/// One report at a time, so an answer or refusal is always about the report waiting.</summary>
internal sealed class MqttUpstreamTransport(UpstreamOptions options, TimeProvider time) : IUpstreamTransport, IAsyncDisposable
{
    private readonly Lock _gate = new();
    private IMqttClient? _client;
    private string _community = "";
    private (long Seq, TaskCompletionSource<UpstreamSend> Done)? _waiting;

    public string Target => $"{options.BrokerUri} ({RegionTopics.Report(options.Region, _community.Length > 0 ? _community : "{community}")})";

    public async Task<UpstreamSend> SendAsync(string community, long seq, byte[] report, CancellationToken cancellationToken)
    {
        try
        {
            var client = await ConnectedAsync(community, cancellationToken).ConfigureAwait(false);
            var done = new TaskCompletionSource<UpstreamSend>(TaskCreationOptions.RunContinuationsAsynchronously);
            lock (_gate) _waiting = (seq, done);
            var published = await client.PublishAsync(new MqttApplicationMessageBuilder()
                .WithTopic(RegionTopics.Report(options.Region, community))
                .WithPayload(report)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                .Build(), cancellationToken).ConfigureAwait(false);
            if (!published.IsSuccess) return UpstreamSend.Unreachable($"the broker did not take the report: {published.ReasonCode}");
            try
            {
                return await done.Task.WaitAsync(TimeSpan.FromSeconds(options.AnswerTimeoutSeconds), time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return UpstreamSend.Unreachable($"no answer from the region within {options.AnswerTimeoutSeconds} s (its listener may be down)");
            }
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException or MQTTnet.Adapter.MqttConnectingFailedException
            or InvalidOperationException or System.Net.Sockets.SocketException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            await DropAsync().ConfigureAwait(false);
            return UpstreamSend.Unreachable(e.Message);
        }
        finally
        {
            lock (_gate) _waiting = null;
        }
    }

    /// <summary>Connects (clean session: nothing is kept at the broker for a community that is away; the
    /// outbox is the only queue) and subscribes to its answer and refused topics, once per connection.</summary>
    private async Task<IMqttClient> ConnectedAsync(string community, CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true } c && community == _community) return c;
        await DropAsync().ConfigureAwait(false);
        _community = community;
        var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += OnMessageAsync;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(options.BrokerUri.Host, options.BrokerUri.IsDefaultPort ? DefaultPort(options.BrokerUri) : options.BrokerUri.Port)
            .WithClientId(community)
            .WithCredentials(community, options.Token)
            .WithCleanSession(true)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithTimeout(TimeSpan.FromSeconds(options.AnswerTimeoutSeconds))
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(30)); // MQTT keep-alive, as the gateway's own broker client (Ingest/ExternalBrokerIngest.cs)
        if (options.BrokerUri.Scheme == "mqtts") builder = builder.WithTlsOptions(t => t.UseTls());
        _client = client;
        var connect = await client.ConnectAsync(builder.Build(), cancellationToken).ConfigureAwait(false);
        if (connect.ResultCode != MqttClientConnectResultCode.Success)
            throw new InvalidOperationException($"the region's broker refused community '{community}': CONNACK {connect.ResultCode} (check its account there)");
        var subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(RegionTopics.Answer(options.Region, community), MqttQualityOfServiceLevel.AtLeastOnce)
            .WithTopicFilter(RegionTopics.Refused(options.Region, community), MqttQualityOfServiceLevel.AtLeastOnce)
            .Build(), cancellationToken).ConfigureAwait(false);
        if (subscribed.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
            throw new InvalidOperationException($"the region's broker does not let community '{community}' read its answers ({string.Join(", ", subscribed.Items.Select(i => i.ResultCode))}): its account's ACL");
        return client;
    }

    /// <summary>1883 for mqtt://, 8883 for mqtts:// (IANA service names mqtt and secure-mqtt).</summary>
    private static int DefaultPort(Uri u) => u.Scheme == "mqtts" ? 8883 : 1883;

    private Task OnMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        var payload = e.ApplicationMessage.Payload.ToArray();
        lock (_gate)
        {
            if (_waiting is not { } w) return Task.CompletedTask;
            if (topic == RegionTopics.Answer(options.Region, _community))
            {
                // An answer to an earlier report (a late one, after its resend was answered) is not this one's.
                if (RegionWire.TryDecodeAnswer(payload, out var answer, out _) && answer!.Seq == w.Seq) w.Done.TrySetResult(UpstreamSend.Answered(payload));
            }
            else if (topic == RegionTopics.Refused(options.Region, _community))
                w.Done.TrySetResult(UpstreamSend.RefusedBy(RegionWire.TryDecodeRefusal(payload, out var why) ? why : "an unreadable refusal"));
        }
        return Task.CompletedTask;
    }

    private async Task DropAsync()
    {
        if (_client is not { } c) return;
        _client = null;
        try
        {
            if (c.IsConnected)
            {
                using var bound = new CancellationTokenSource(TimeSpan.FromSeconds(5)); // our bound: a half-open socket may not take the DISCONNECT
                await c.DisconnectAsync(new MqttClientDisconnectOptions(), bound.Token).ConfigureAwait(false);
            }
        }
        catch (Exception) { /* the connection is gone either way */ }
        c.Dispose();
    }

    public async ValueTask DisposeAsync() => await DropAsync().ConfigureAwait(false);
}
