using System.Buffers;
using System.Collections.Concurrent;
using MQTTnet;
using MQTTnet.Protocol;

namespace Commons.Metering.Tests.Mqtt;

/// <summary>A plain MQTTnet client that records every message on a filter, for assertions.</summary>
internal sealed class Subscriber : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
    private readonly ConcurrentQueue<(string Topic, byte[] Payload, bool Retain)> _messages = new();

    private Subscriber() { }

    public IReadOnlyList<(string Topic, byte[] Payload, bool Retain)> Messages => _messages.ToArray();

    public static async Task<Subscriber> StartAsync(int port, string filter, string clientId = "test-subscriber")
    {
        var s = new Subscriber();
        s._client.ApplicationMessageReceivedAsync += e =>
        {
            s._messages.Enqueue((e.ApplicationMessage.Topic, e.ApplicationMessage.Payload.ToArray(), e.ApplicationMessage.Retain));
            return Task.CompletedTask;
        };
        await s._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(clientId).Build());
        await s._client.SubscribeAsync(filter, MqttQualityOfServiceLevel.AtLeastOnce);
        return s;
    }

    public Task PublishAsync(string topic, string payload) =>
        _client.PublishStringAsync(topic, payload, MqttQualityOfServiceLevel.AtLeastOnce);

    /// <summary>Waits (bounded) until <paramref name="done"/> holds for the messages so far.</summary>
    public async Task<bool> WaitAsync(Func<IReadOnlyList<(string Topic, byte[] Payload, bool Retain)>, bool> done, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (done(Messages)) return true;
            await Task.Delay(20);
        }
        return done(Messages);
    }

    public async ValueTask DisposeAsync()
    {
        if (_client.IsConnected) await _client.DisconnectAsync();
        _client.Dispose();
    }
}
