using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Bench;

/// <summary>Many devices as MQTT clients for the load benchmarks, one publish in flight each, as the
/// firmware does: MQTT 3.1.1, client id = meter id (<see cref="LoadPublisher.MeterId"/>), QoS 1, a
/// reading counts once its PUBACK arrived (the embedded broker sends it after the ledger commit, so
/// the publish latency measured here is the device's view of "committed"), each subscribed to its
/// command topic as the firmware is. Unlike LoadPublisher, it
/// connects in parallel (10,000 clients) and publishes on demand, so a benchmark can pace, spread
/// or warm up its devices. Readings carry seq 1, 2, ... and a growing register per device.</summary>
internal sealed class DeviceFleet : IAsyncDisposable
{
    /// <summary>Connects in flight at once: enough to connect 10,000 devices in seconds without a
    /// SYN flood on loopback (the accept backlog is 128 by default).</summary>
    private const int ConnectParallelism = 64;

    private readonly IMqttClient[] _clients;
    private readonly string[] _topics;
    private readonly long[] _seq;
    private readonly long[] _register;

    private DeviceFleet(int count)
    {
        _clients = new IMqttClient[count];
        _topics = new string[count];
        _seq = new long[count];
        _register = new long[count];
    }

    public int Count => _clients.Length;

    public static async Task<DeviceFleet> ConnectAsync(int port, string community, int count, CancellationToken cancel)
    {
        var fleet = new DeviceFleet(count);
        var factory = new MqttClientFactory();
        using var gate = new SemaphoreSlim(ConnectParallelism);
        await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
        {
            await gate.WaitAsync(cancel);
            try
            {
                var id = LoadPublisher.MeterId(i);
                var client = factory.CreateMqttClient();
                var options = new MqttClientOptionsBuilder()
                    .WithTcpServer("127.0.0.1", port)
                    .WithClientId(id)
                    .WithCleanSession(true)
                    .WithProtocolVersion(MqttProtocolVersion.V311)
                    // Our choice: keep-alive pings of 10,000 idle devices stay out of the figures.
                    .WithKeepAlivePeriod(TimeSpan.FromMinutes(5))
                    .WithTimeout(TimeSpan.FromSeconds(60))
                    .Build();
                await client.ConnectAsync(options, cancel);
                await SubscribeToCommandsAsync(client, community, id, cancel);
                fleet._clients[i] = client;
                fleet._topics[i] = $"commons/v1/{community}/{id}/up/reading";
                fleet._register[i] = 1_000L * i;
            }
            finally
            {
                gate.Release();
            }
        }));
        return fleet;
    }

    /// <summary>What the firmware does after every connect (MeterDevice.Session.cs): subscribe to its
    /// own command topic (docs/protocol.md, "Topics"). A broker then holds one subscription per
    /// connected device, which is what it routes every uplink against.</summary>
    public static async Task SubscribeToCommandsAsync(IMqttClient client, string community, string meter, CancellationToken cancel)
    {
        var subscribe = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"commons/v1/{community}/{meter}/down/cmd", MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var result = await client.SubscribeAsync(subscribe, cancel);
        var code = result.Items.Single().ResultCode;
        if (code != MqttClientSubscribeResultCode.GrantedQoS1) throw new InvalidOperationException($"{meter}: subscription refused ({code})");
    }

    /// <summary>Publishes device <paramref name="i"/>'s next reading; returns the time to its PUBACK.</summary>
    public async Task<TimeSpan> PublishNextAsync(int i, long tsMs, CancellationToken cancel)
    {
        var seq = ++_seq[i];
        _register[i] += 1 + (seq * 7 + i) % 50; // some mL each reading
        var json = $"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{_register[i]}}}]}}";
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(_topics[i])
            .WithPayload(Encoding.UTF8.GetBytes(json))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        var start = Stopwatch.GetTimestamp();
        var result = await _clients[i].PublishAsync(message, cancel);
        if (!result.IsSuccess) throw new InvalidOperationException($"publish of {_topics[i]} refused: {result.ReasonCode}");
        return Stopwatch.GetElapsedTime(start);
    }

    /// <summary>Every device publishes <paramref name="perDevice"/> readings one after another, all
    /// devices at once; returns every PUBACK latency.</summary>
    public async Task<List<TimeSpan>> PublishAllAsync(int perDevice, Func<long> tsMs, CancellationToken cancel)
    {
        var latencies = new List<TimeSpan>[Count];
        await Task.WhenAll(Enumerable.Range(0, Count).Select(i => Task.Run(async () =>
        {
            var mine = latencies[i] = new List<TimeSpan>(perDevice);
            for (var r = 0; r < perDevice; r++) mine.Add(await PublishNextAsync(i, tsMs(), cancel));
        }, cancel)));
        return latencies.SelectMany(l => l).ToList();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var c in _clients.Where(c => c is not null))
        {
            try { await c.DisconnectAsync(); } catch (Exception) { /* the gateway may already be gone */ }
            c.Dispose();
        }
    }
}

/// <summary>Percentiles of latencies, nearest-rank.</summary>
internal static class Latency
{
    public static string Describe(IReadOnlyList<TimeSpan> all)
    {
        if (all.Count == 0) return "no samples";
        var ms = all.Select(t => t.TotalMilliseconds).Order().ToArray();
        double P(double p) => ms[Math.Clamp((int)Math.Ceiling(p * ms.Length) - 1, 0, ms.Length - 1)];
        return $"p50 {P(0.50):F1} ms, p95 {P(0.95):F1} ms, p99 {P(0.99):F1} ms, max {ms[^1]:F1} ms";
    }
}
