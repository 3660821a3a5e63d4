using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Tests.Gateway;

/// <summary>End-to-end confirmation (docs/protocol.md, "confirmation") with the built gateway as a
/// real process, its embedded broker or a real mosquitto in between, and raw MQTTnet clients as
/// devices: one that announces "confirm":1 and one of older firmware.</summary>
[Trait("Category", "Integration")]
public sealed class ConfirmationEndToEndTests
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30); // a hang guard, not a timing
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddHours(-1);

    private const string ConfirmingStatus = """{"v":1,"state":"online","fw":"1.0.0","boot":1,"outbox":0,"confirm":1,"ts":1764245400000}""";
    private const string LegacyStatus = """{"v":1,"state":"online","fw":"0.9.0","boot":1,"outbox":0,"ts":1764245400000}""";

    [Theory]
    [InlineData("Embedded")]
    [InlineData("External")]
    public async Task ConfirmingDevice_IsConfirmedEveryReading_DuplicatesAgain_AndAnOlderDeviceNothing(string mode)
    {
        using var mosquitto = mode == "External" ? new Mosquitto() : null;
        mosquitto?.Start();
        using var gw = new GatewayProcess();
        if (mosquitto is not null)
        {
            gw.Environment["Metering__Broker__Mode"] = "External";
            gw.Environment["Metering__Broker__Port"] = mosquitto.Port.ToString();
            gw.Environment["Metering__Broker__ClientId"] = "gateway-under-test";
        }
        gw.Start();
        var port = mosquitto?.Port ?? gw.BrokerPort;
        using var http = gw.CreateHttpClient();
        await GatewayApi.RegisterAsync(http, "m1");
        await GatewayApi.RegisterAsync(http, "m2");

        await using var device = await Device.ConnectAsync("m1", port);
        await device.PublishAsync("status", ConfirmingStatus);
        Assert.Empty(await device.NextAsync()); // the hello: this gateway confirms
        await using var old = await Device.ConnectAsync("m2", port);
        await old.PublishAsync("status", LegacyStatus);

        for (var seq = 1; seq <= 10; seq++) await device.PublishAsync("reading", TestDevice.Reading(seq, T0.AddMinutes(seq).ToUnixTimeMilliseconds(), seq * 10));
        for (var seq = 1; seq <= 3; seq++) await old.PublishAsync("reading", TestDevice.Reading(seq, T0.AddMinutes(seq).ToUnixTimeMilliseconds(), seq * 10));
        Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), await device.ConfirmedAsync(10));
        await GatewayApi.EventuallyAsync(async () => await GatewayApi.LastSeqAsync(http, "m2") == 3, Guard, () => gw.Output);

        await device.PublishAsync("reading", TestDevice.Reading(4, T0.AddMinutes(4).ToUnixTimeMilliseconds(), 40)); // sent again
        Assert.Equal([4L], await device.ConfirmedAsync(1));
        Assert.Equal(10, await GatewayApi.LastSeqAsync(http, "m1"));
        Assert.Equal(1, await GatewayApi.MetricAsync(http, "metering_rejected_total{reason=\"duplicate\"}"));
        Assert.True(await GatewayApi.MetricAsync(http, "metering_confirmations_sent_total") >= 3);
        Assert.Equal(11, await GatewayApi.MetricAsync(http, "metering_confirmed_seqs_total"));
        Assert.False(old.Received.Reader.TryRead(out _), "a device that does not confirm was sent a confirmation");
    }

    /// <summary>A raw MQTT 3.1.1 client as the firmware connects (client id = meter id,
    /// cleanSession=false), subscribed to its own down/confirm.</summary>
    private sealed class Device : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly string _meter;

        private Device(string meter) => _meter = meter;

        public Channel<long[]> Received { get; } = Channel.CreateUnbounded<long[]>();

        public static async Task<Device> ConnectAsync(string meter, int port)
        {
            var d = new Device(meter);
            d._client.ApplicationMessageReceivedAsync += e =>
            {
                using var doc = JsonDocument.Parse(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload));
                d.Received.Writer.TryWrite(doc.RootElement.GetProperty("seqs").EnumerateArray().Select(x => x.GetInt64()).ToArray());
                return Task.CompletedTask;
            };
            await d._client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(meter)
                .WithCleanSession(false).WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(TimeSpan.FromSeconds(10)).Build());
            await d._client.SubscribeAsync($"commons/v1/c1/{meter}/down/confirm", MqttQualityOfServiceLevel.AtLeastOnce);
            return d;
        }

        public Task PublishAsync(string kind, string payload) => _client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"commons/v1/c1/{_meter}/up/{kind}").WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

        public Task<long[]> NextAsync() => Received.Reader.ReadAsync().AsTask().WaitAsync(Guard);

        /// <summary>The seqs of the next confirmations until they cover <paramref name="count"/> numbers.</summary>
        public async Task<SortedSet<long>> ConfirmedAsync(int count)
        {
            var confirmed = new SortedSet<long>();
            while (confirmed.Count < count)
            {
                var seqs = await NextAsync();
                for (var i = 0; i < seqs.Length; i += 2)
                    for (var s = seqs[i]; s <= seqs[i + 1]; s++) confirmed.Add(s);
            }
            return confirmed;
        }

        public async ValueTask DisposeAsync()
        {
            try { if (_client.IsConnected) await _client.DisconnectAsync(); } catch (Exception) { }
            _client.Dispose();
        }
    }
}
