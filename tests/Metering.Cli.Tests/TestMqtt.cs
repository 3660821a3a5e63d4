using System.Collections.Concurrent;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Cli.Tests;

/// <summary>An MQTTnet 3.1.1 client as a device or the gateway uses it, collecting what it receives.</summary>
internal sealed class TestMqtt : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public TestMqtt()
    {
        _client.ApplicationMessageReceivedAsync += e =>
        {
            Received.Add((e.ApplicationMessage.Topic, Encoding.UTF8.GetString(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
    }

    public BlockingCollection<(string Topic, string Payload)> Received { get; } = [];

    /// <summary>Null when connected, else why not (refusals surface as exceptions in MQTTnet 5).</summary>
    public async Task<string?> ConnectAsync(int port, string clientId, string? user, string? password)
    {
        // A clean session: tests of one class reuse the same device ids on one broker, and a persistent
        // session redelivered a message an earlier test's client left unacknowledged when it was disposed.
        var b = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(clientId).WithCleanSession(true).WithTimeout(TimeSpan.FromSeconds(10));
        if (user is not null) b = b.WithCredentials(user, password ?? "");
        try
        {
            var r = await _client.ConnectAsync(b.Build());
            return r.ResultCode == MqttClientConnectResultCode.Success ? null : r.ResultCode.ToString();
        }
        catch (Exception e) when (e is MQTTnet.Exceptions.MqttCommunicationException)
        {
            return e.GetType().Name + ": " + e.Message;
        }
    }

    public async Task<bool> SubscribeAsync(string filter)
    {
        var r = await _client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        return r.Items.All(i => i.ResultCode is MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2);
    }

    public Task PublishAsync(string topic, string payload) =>
        _client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload)
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    /// <summary>The next message, or fails after the timeout.</summary>
    public (string Topic, string Payload) Next(TimeSpan? timeout = null)
    {
        Assert.True(Received.TryTake(out var m, timeout ?? TimeSpan.FromSeconds(10)), "no message arrived within the timeout");
        return m;
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected) await _client.DisconnectAsync();
        _client.Dispose();
    }
}
