using System.Diagnostics;
using System.Text;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Bench;

/// <summary>`routing`: what one command to one meter, and one retained status from one meter, cost
/// the embedded broker as the fleet grows. MQTTnet routes a message by checking the subscriptions of
/// every session that holds one (MqttClientSessionsManager.DispatchApplicationMessage), and every
/// device holds one (its down/cmd), online or asleep. Here the real EmbeddedBrokerIngest and ledger,
/// in this process, hold <c>sessions</c> persistent sessions, each subscribed to its own command
/// topic as the firmware is (each device connected once, MQTT 3.1.1 with clean session off,
/// subscribed, and went to sleep, as an ESP32 between reports does). Timed, one after another:
/// <c>count</c> commands to different meters (EmbeddedBrokerIngest.PublishAsync, as the policy
/// runtime and the API hand them over), then <c>count</c> retained statuses from one awake device,
/// each awaited until its PUBACK (so including its ledger commit). Reported per message with
/// <c>many</c> sessions against <c>few</c> (the reference), and with <c>many</c> and an operator's
/// client subscribed to everything, which makes MQTTnet route every message (DownlinkRoutes and the
/// uplink routing rule in EmbeddedBrokerIngest). No target: it tells how long a council's
/// "shed every discretionary load", or a whole village's devices reconnecting, costs the broker.</summary>
internal sealed class RoutingBenchmark(int few, int many, int count, TextWriter log)
{
    private const string Community = "bench";

    private sealed record Cost(double CommandUs, double StatusUs);

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        var reference = await MeasureAsync(few, watched: false, cancel);
        var scaled = await MeasureAsync(many, watched: false, cancel);
        var routed = await MeasureAsync(many, watched: true, cancel);
        log.WriteLine($"{many:N0} sessions / {few:N0}: command {scaled.CommandUs / reference.CommandUs:F1}x, status {scaled.StatusUs / reference.StatusUs:F1}x; " +
                      $"with a watcher: command {routed.CommandUs / reference.CommandUs:F1}x, status {routed.StatusUs / reference.StatusUs:F1}x");
        return 0;
    }

    private async Task<Cost> MeasureAsync(int sessions, bool watched, CancellationToken cancel)
    {
        await using var gateway = new InProcessIngestLedger(TimeProvider.System, SqliteSynchronous.Full, withSinkOutbox: false, perMeterRateLimit: false);
        // Thousands of statuses from one device in seconds: the per-meter limit would (rightly) refuse them.
        await gateway.StartAsync();
        var options = new GatewayOptions();
        options.Broker.Port = FreePort.Next();
        options.Broker.RequireAuthentication = false; // anonymous bench clients on loopback
        options.Registry.AutoRegister = true;
        using var broker = new EmbeddedBrokerIngest(gateway.Pipeline, new BrokerHealth(), Microsoft.Extensions.Options.Options.Create(options),
            NullLogger<EmbeddedBrokerIngest>.Instance);
        await broker.StartAsync(cancel);
        var setup = Stopwatch.StartNew();
        await CreateSleepingSessionsAsync(options.Broker.Port, sessions, cancel);
        setup.Stop();

        using var watcher = new MqttClientFactory().CreateMqttClient();
        var seen = 0;
        if (watched)
        {
            watcher.ApplicationMessageReceivedAsync += _ =>
            {
                Interlocked.Increment(ref seen);
                return Task.CompletedTask;
            };
            await watcher.ConnectAsync(Options(options.Broker.Port, "operator", clean: true), cancel);
            await watcher.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter($"commons/v1/{Community}/+/#").Build(), cancel);
        }

        var warmup = Math.Min(count, 200);
        var command = Encoding.UTF8.GetBytes("""{"v":1,"cid":"bench","op":"valve","state":"closed"}""");
        // Untimed first: they compile the path.
        for (var i = 0; i < warmup; i++) await broker.PublishAsync(CommandTopic(i % sessions), command, cancel);
        var commands = Stopwatch.StartNew();
        for (var i = 0; i < count; i++) await broker.PublishAsync(CommandTopic(i % sessions), command, cancel);
        commands.Stop();
        // Honesty check: the first device, woken up, receives every command meant for it.
        var expected = Enumerable.Range(0, warmup).Concat(Enumerable.Range(0, count)).Count(i => i % sessions == 0);
        var received = await WakeAndCountAsync(options.Broker.Port, expected, cancel);
        if (received != expected) throw new InvalidOperationException($"{LoadPublisher.MeterId(0)} received {received} commands, expected {expected}");

        var statuses = await PublishStatusesAsync(options.Broker.Port, warmup, count, cancel);
        var retained = await RetainedStatusAsync(options.Broker.Port, cancel);
        if (!retained.Contains($"\"boot\":{warmup + count}", StringComparison.Ordinal))
            throw new InvalidOperationException($"the retained status is {retained}, not the last one sent");

        var watching = "";
        if (watched)
        {
            var sent = 2 * (warmup + count) + 1; // the commands, the statuses, and the reading that registered the second device
            for (var i = 0; i < 250 && Volatile.Read(ref seen) < sent; i++) await Task.Delay(20, cancel);
            if (Volatile.Read(ref seen) != sent) throw new InvalidOperationException($"the watcher saw {seen} messages, expected {sent}");
            watching = $"; the watcher saw all {sent}";
            await watcher.DisconnectAsync(cancellationToken: cancel);
        }
        var cost = new Cost(commands.Elapsed.TotalMicroseconds / count, statuses.TotalMicroseconds / count);
        log.WriteLine($"{sessions,7:N0} sessions{(watched ? " + watcher" : "")} (set up in {setup.Elapsed.TotalSeconds:F1} s): " +
                      $"{cost.CommandUs,8:F1} us per command, {cost.StatusUs,8:F1} us per retained status (PUBACK after commit); " +
                      $"{LoadPublisher.MeterId(0)} woke up to its {received} commands, the last status is retained{watching}");
        await broker.StopAsync(cancel);
        return cost;
    }

    private static string CommandTopic(int meter) => $"commons/v1/{Community}/{LoadPublisher.MeterId(meter)}/down/cmd";

    /// <summary>MQTT 3.1.1 as the firmware's M2Mqtt speaks it; MQTTnet's client speaks 5.0 by default,
    /// where a session without an expiry interval ends at the disconnect.</summary>
    private static MqttClientOptions Options(int port, string id, bool clean) => new MqttClientOptionsBuilder()
        .WithTcpServer("127.0.0.1", port).WithClientId(id).WithProtocolVersion(MqttProtocolVersion.V311)
        .WithCleanSession(clean).WithTimeout(TimeSpan.FromSeconds(30)).Build();

    /// <summary>Connects each device once (clean session off), subscribes it to its command topic and
    /// disconnects it: the broker keeps the session and its subscription. Eight at a time.</summary>
    private static async Task CreateSleepingSessionsAsync(int port, int sessions, CancellationToken cancel)
    {
        var factory = new MqttClientFactory();
        using var gate = new SemaphoreSlim(8);
        await Task.WhenAll(Enumerable.Range(0, sessions).Select(async i =>
        {
            await gate.WaitAsync(cancel);
            try
            {
                using var client = factory.CreateMqttClient();
                var id = LoadPublisher.MeterId(i);
                await client.ConnectAsync(Options(port, id, clean: false), cancel);
                await DeviceFleet.SubscribeToCommandsAsync(client, Community, id, cancel);
                await client.DisconnectAsync(cancellationToken: cancel);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    /// <summary>Reconnects the first device (its session kept) and counts the commands it is sent
    /// until <paramref name="expected"/> arrived or 5 s passed.</summary>
    private static async Task<int> WakeAndCountAsync(int port, int expected, CancellationToken cancel)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var count = 0;
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += _ =>
        {
            if (Interlocked.Increment(ref count) >= expected) all.TrySetResult();
            return Task.CompletedTask;
        };
        await client.ConnectAsync(Options(port, LoadPublisher.MeterId(0), clean: false), cancel);
        await Task.WhenAny(all.Task, Task.Delay(TimeSpan.FromSeconds(5), cancel));
        await client.DisconnectAsync(cancellationToken: cancel);
        return Volatile.Read(ref count);
    }

    /// <summary>The second device wakes, reports a reading (registering it), then sends retained
    /// statuses one at a time, each awaited until its PUBACK; the last <paramref name="timed"/> are timed.</summary>
    private static async Task<TimeSpan> PublishStatusesAsync(int port, int untimed, int timed, CancellationToken cancel)
    {
        using var device = new MqttClientFactory().CreateMqttClient();
        var id = LoadPublisher.MeterId(1);
        await device.ConnectAsync(Options(port, id, clean: false), cancel);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await PublishAsync(device, $"commons/v1/{Community}/{id}/up/reading",
            $$"""{"v":1,"seq":1,"ts":{{now}},"ch":[{"n":"main","u":"mL","reg":1000}]}""", retain: false, cancel);
        var watch = new Stopwatch();
        for (var boot = 1; boot <= untimed + timed; boot++)
        {
            if (boot == untimed + 1) watch.Start();
            await PublishAsync(device, $"commons/v1/{Community}/{id}/up/status",
                $$"""{"v":1,"ts":{{now}},"state":"online","fw":"1.0.0","boot":{{boot}},"outbox":0}""", retain: true, cancel);
        }
        watch.Stop();
        await device.DisconnectAsync(cancellationToken: cancel);
        return watch.Elapsed;
    }

    private static async Task PublishAsync(IMqttClient device, string topic, string json, bool retain, CancellationToken cancel)
    {
        var result = await device.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(json))
            .WithRetainFlag(retain).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancel);
        if (!result.IsSuccess) throw new InvalidOperationException($"{topic}: refused ({result.ReasonCode})");
    }

    /// <summary>What a subscriber arriving now finds retained on the second device's status topic.</summary>
    private static async Task<string> RetainedStatusAsync(int port, CancellationToken cancel)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var retained = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Retain) retained.TrySetResult(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await client.ConnectAsync(Options(port, "late-subscriber", clean: true), cancel);
        await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter($"commons/v1/{Community}/{LoadPublisher.MeterId(1)}/up/status").Build(), cancel);
        var status = await retained.Task.WaitAsync(TimeSpan.FromSeconds(5), cancel);
        await client.DisconnectAsync(cancellationToken: cancel);
        return status;
    }
}
