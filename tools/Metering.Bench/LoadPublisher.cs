using System.Text;
using MQTTnet;
using MQTTnet.Protocol;

namespace Commons.Metering.Bench;

/// <summary>The same load for every run of a benchmark: <c>meters</c> MQTT clients, each
/// publishing <c>readingsPerMeter</c> valid v1 readings (docs/protocol.md) at QoS 1, one at a
/// time, waiting for each PUBACK, as a device does, each subscribed to its command topic as the
/// firmware is. Payloads are built before the clock starts.</summary>
internal sealed class LoadPublisher : IAsyncDisposable
{
    private readonly List<IMqttClient> _clients = new();
    private readonly List<MqttApplicationMessage[]> _messages = new();

    private LoadPublisher() { }

    public long Total => _messages.Sum(m => m.Length);

    public static string MeterId(int i) => $"b-{i:D5}";

    public static async Task<LoadPublisher> ConnectAsync(int port, string community, int meters, int readingsPerMeter,
        long startUnixMs, CancellationToken cancel)
    {
        var load = new LoadPublisher();
        var factory = new MqttClientFactory();
        for (var m = 0; m < meters; m++)
        {
            var id = MeterId(m);
            var client = factory.CreateMqttClient();
            var options = new MqttClientOptionsBuilder()
                .WithTcpServer("127.0.0.1", port)
                .WithClientId(id)
                .WithCleanSession(true)
                .WithTimeout(TimeSpan.FromSeconds(30))
                .Build();
            await client.ConnectAsync(options, cancel);
            await DeviceFleet.SubscribeToCommandsAsync(client, community, id, cancel);
            load._clients.Add(client);
            var topic = $"commons/v1/{community}/{id}/up/reading";
            var messages = new MqttApplicationMessage[readingsPerMeter];
            long register = 1000L * m;
            for (var r = 0; r < readingsPerMeter; r++)
            {
                register += 1 + (r * 7 + m) % 50; // some mL each reading
                var ts = startUnixMs + r * 1000L;
                var json = $"{{\"v\":1,\"seq\":{r + 1},\"ts\":{ts},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{register}}}]}}";
                messages[r] = new MqttApplicationMessageBuilder()
                    .WithTopic(topic)
                    .WithPayload(Encoding.UTF8.GetBytes(json))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build();
            }
            load._messages.Add(messages);
        }
        return load;
    }

    /// <summary>Publishes everything; returns when every PUBACK has arrived.</summary>
    public Task PublishAllAsync(CancellationToken cancel) => PublishAsync(0, int.MaxValue, cancel);

    /// <summary>Publishes readings [first, first + count) of every meter (in order, one in flight per
    /// meter); returns when every PUBACK has arrived.</summary>
    public Task PublishAsync(int first, int count, CancellationToken cancel) =>
        Task.WhenAll(_clients.Select((c, i) => Task.Run(async () =>
        {
            foreach (var message in _messages[i].Skip(first).Take(count))
            {
                var result = await c.PublishAsync(message, cancel);
                if (!result.IsSuccess) throw new InvalidOperationException($"publish refused: {result.ReasonCode}");
            }
        }, cancel)));

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients)
        {
            try { await c.DisconnectAsync(); } catch (Exception) { /* the broker may already be gone */ }
            c.Dispose();
        }
    }
}
