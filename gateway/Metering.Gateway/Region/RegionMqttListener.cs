using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using System.Buffers;
using MQTTnet;
using MQTTnet.Protocol;

namespace Commons.Metering.Gateway.Region;

/// <summary>The region's side of the MQTT link: subscribed at QoS 1 to commons/v1/{region}/+/up/report,
/// it hands each report to the RegionService (the same store, allocation and audit as over HTTP) and
/// publishes the answer on the member's .../down/answer only after the region's commit, or the refusal
/// on .../down/refused. Clean session: a report published while the listener is away is not kept by the
/// broker; its community hears no answer and sends it again (its outbox is the queue, not the broker).</summary>
internal sealed class RegionMqttListener(RegionOptions options, RegionService region, TimeProvider time, ILogger<RegionMqttListener> logger)
    : BackgroundService
{
    private readonly RegionMqttOptions _o = options.Mqtt;

    /// <summary>Longest wait between reconnects (our choice; see RegionMqttOptions.ReconnectMinSeconds).</summary>
    private static readonly TimeSpan MaxReconnect = TimeSpan.FromSeconds(60);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        logger.LogInformation("Region {Region} takes reports over MQTT at {Host}:{Port} as '{ClientId}' (user '{User}', password {Password})",
            options.Id, _o.Host, _o.Port, _o.ClientId, _o.Username, _o.Password.Length > 0 ? "set" : "none");
        var delay = TimeSpan.FromSeconds(_o.ReconnectMinSeconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            using var client = new MqttClientFactory().CreateMqttClient();
            var lost = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            client.DisconnectedAsync += _ => { lost.TrySetResult(); return Task.CompletedTask; };
            client.ApplicationMessageReceivedAsync += e => OnReportAsync(client, e);
            try
            {
                var builder = new MqttClientOptionsBuilder()
                    .WithTcpServer(_o.Host, _o.Port)
                    .WithClientId(_o.ClientId)
                    .WithCleanSession(true)
                    .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
                    .WithKeepAlivePeriod(TimeSpan.FromSeconds(30)); // as the gateway's own broker client (Ingest/ExternalBrokerIngest.cs)
                if (_o.Username.Length > 0) builder = builder.WithCredentials(_o.Username, _o.Password);
                var connect = await client.ConnectAsync(builder.Build(), stoppingToken).ConfigureAwait(false);
                if (connect.ResultCode != MqttClientConnectResultCode.Success) throw new InvalidOperationException($"CONNACK {connect.ResultCode}");
                var sub = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
                    .WithTopicFilter(RegionTopics.ReportFilter(options.Id), MqttQualityOfServiceLevel.AtLeastOnce).Build(), stoppingToken).ConfigureAwait(false);
                if (sub.Items.Any(i => i.ResultCode > MqttClientSubscribeResultCode.GrantedQoS2))
                    throw new InvalidOperationException($"subscription to {RegionTopics.ReportFilter(options.Id)} refused ({sub.Items.First().ResultCode}): the account must be a gateway account of that broker");
                logger.LogInformation("Region listener subscribed to {Filter} on {Host}:{Port}", RegionTopics.ReportFilter(options.Id), _o.Host, _o.Port);
                delay = TimeSpan.FromSeconds(_o.ReconnectMinSeconds);
                await lost.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
                logger.LogWarning("Region listener lost the broker {Host}:{Port}; reconnecting", _o.Host, _o.Port);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                logger.LogWarning("Region listener cannot reach the broker {Host}:{Port} ({Error}); retrying in {Seconds} s", _o.Host, _o.Port, e.Message, delay.TotalSeconds);
            }
            try { await Task.Delay(delay, time, stoppingToken).ConfigureAwait(false); }
            catch (OperationCanceledException) { break; }
            delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxReconnect.Ticks));
        }
    }

    /// <summary>Handled inside the receive handler, so the broker's PUBACK for the report follows the
    /// region's commit; the answer follows the commit too. A failed commit leaves the report
    /// unanswered: the community sends it again.</summary>
    private async Task OnReportAsync(IMqttClient client, MqttApplicationMessageReceivedEventArgs e)
    {
        var topic = e.ApplicationMessage.Topic;
        if (RegionTopics.ReportingCommunity(options.Id, topic) is not { } community) return;
        RegionResult result;
        try { result = region.HandleFromBroker(community, e.ApplicationMessage.Payload.ToArray()); }
        catch (Exception ex)
        {
            logger.LogError(ex, "Report of {Community} over MQTT not stored; unanswered, it will be sent again", community);
            return;
        }
        var (to, payload) = result.Answer is { } a
            ? (RegionTopics.Answer(options.Id, community), RegionWire.Encode(a))
            : (RegionTopics.Refused(options.Id, community), RegionWire.EncodeRefusal(result.Status, result.Title!, result.Detail!));
        if (result.Answer is null)
            logger.LogWarning("Report of {Community} over MQTT refused: {Status} {Title}: {Detail}", community, result.Status, result.Title, result.Detail);
        try
        {
            await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(to).WithPayload(payload)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Stored but unanswered: the community sends the report again and hears "duplicate", counted once.
            logger.LogWarning("Answer to {Community} not published ({Error}); its resend will be answered", community, ex.Message);
        }
    }
}
