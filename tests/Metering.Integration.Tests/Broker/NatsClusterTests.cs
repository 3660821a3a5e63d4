using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Commons.Metering.Tests.Gateway;

namespace Commons.Metering.Tests.Broker;

/// <summary>The gateway in External mode against a real three-node NATS cluster (JetStream, MQTT
/// listener on every node): what a device publishes on one node reaches the gateway on another, and
/// what the gateway sends reaches a device wherever it connects next.</summary>
[Trait("Category", "Integration")]
public sealed class NatsClusterTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddHours(-3);
    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    /// <summary>A gateway in External mode with these Broker:Servers.</summary>
    internal static GatewayProcess GatewayOn(string servers)
    {
        var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__Mode"] = "External";
        gw.Environment["Metering__Broker__Servers"] = servers;
        // A '.' and a ' ' in the client id, which names the watchdog's heartbeat topic: nats-server
        // before 2.10 refuses MQTT topics holding either (its subjects use '.' between tokens).
        gw.Environment["Metering__Broker__ClientId"] = "gateway.nats 1";
        gw.Environment["Metering__Broker__ReconnectMaxDelayMs"] = "1000";
        gw.Environment["Metering__Broker__WatchdogIntervalMs"] = "300";
        gw.Environment["Metering__Broker__WatchdogTimeoutMs"] = "1500";
        return gw;
    }

    [Fact]
    public async Task RetainedStatus_QueuedCommand_AndLastWill_CrossNodes_WithTheGatewayInTheLoop()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        using var nats = new NatsCluster();
        nats.Start();
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: three NATS nodes serve MQTT sessions");
        string Explain(GatewayProcess gw) => $"{gw.Output}\n{nats.Logs}";

        using var gw = GatewayOn($"127.0.0.1:{nats.MqttPort(0)}");
        gw.Start();
        using var http = gw.CreateHttpClient();
        await GatewayApi.RegisterAsync(http, "m1");
        await GatewayApi.RegisterAsync(http, "m2");

        // A retained status published on node 1 reaches the gateway on node 0, and a later
        // subscriber on node 2 gets it from the cluster's retained store.
        var status = $"{{\"v\":1,\"state\":\"online\",\"fw\":\"9.9.9\",\"boot\":3,\"ts\":{Ms(T0)}}}";
        var pub = MosquittoClients.Pub(["-h", "127.0.0.1", "-p", nats.MqttPort(1).ToString(), "-i", "m1", "-q", "1", "-r",
            "-t", "commons/v1/c1/m1/up/status", "-m", status]);
        Assert.True(pub.ExitCode == 0, pub.ToString() + nats.Logs);
        await GatewayApi.EventuallyAsync(async () => await StateAsync(http, "m1") == "online", TimeSpan.FromSeconds(15), () => Explain(gw));
        Assert.Contains("\"fw\":\"9.9.9\"", RetainedStatus(nats, 2));

        // A reading from node 2 is committed by the gateway on node 0.
        await using (var device = new TestDevice("c1", "m1", nats.MqttPort(2)))
        {
            await device.PublishAsync("reading", TestDevice.Reading(1, Ms(T0), 100));
            await device.PublishAsync("reading", TestDevice.Reading(2, Ms(T0.AddSeconds(1)), 160));
        }
        await GatewayApi.EventuallyAsync(async () => await GatewayApi.LastSeqAsync(http, "m1") == 2, TimeSpan.FromSeconds(15), () => Explain(gw));
        Assert.Equal(60, await GatewayApi.ChannelUsageAsync(http, "m1", "main", T0.AddHours(-1), T0.AddHours(1)));

        // A persistent session subscribed on node 1, then away: the gateway's ping, sent through node 0
        // meanwhile, waits in the session and arrives when the device resumes it on node 2.
        string[] session = ["-h", "127.0.0.1", "-i", "m2", "-c", "-q", "1", "-t", "commons/v1/c1/m2/down/cmd", "-v"];
        using (var away = MosquittoClients.Sub(["-p", nats.MqttPort(1).ToString(), "-d", .. session]))
            Assert.True(away.WaitFor("received SUBACK") is not null, string.Join('\n', away.Seen) + nats.Logs);
        using (var ping = await http.PostAsJsonAsync("api/v1/meters/m2/ping", new { timeoutS = 1 }))
            Assert.True((int)ping.StatusCode == 504, $"{(int)ping.StatusCode} {await ping.Content.ReadAsStringAsync()}"); // nobody to ack it yet
        using (var back = MosquittoClients.Sub(["-p", nats.MqttPort(2).ToString(), .. session]))
            Assert.True(back.WaitFor("\"op\":\"ping\"") is not null, string.Join('\n', back.Seen) + Explain(gw));

        // A last will registered on node 1 fires when its client is killed (SIGKILL: no DISCONNECT),
        // and the gateway on node 0 records the meter offline.
        using (var doomed = MosquittoClients.Sub(["-h", "127.0.0.1", "-p", nats.MqttPort(1).ToString(), "-i", "m1", "-d", "-q", "1",
            "--will-topic", "commons/v1/c1/m1/up/status", "--will-payload", "{\"v\":1,\"state\":\"offline\"}", "--will-qos", "1", "--will-retain",
            "-t", "commons/v1/c1/m1/down/cmd"]))
        {
            Assert.True(doomed.WaitFor("received SUBACK") is not null, string.Join('\n', doomed.Seen) + nats.Logs);
            Assert.Equal("online", await StateAsync(http, "m1"));
        } // Dispose kills the process
        await GatewayApi.EventuallyAsync(async () => await StateAsync(http, "m1") == "offline", TimeSpan.FromSeconds(15), () => Explain(gw));
        Assert.Contains("\"offline\"", RetainedStatus(nats, 2));
        // One connection all along: the heartbeats came back, the watchdog never found it deaf.
        Assert.True(gw.Output.Split('\n').Count(l => l.Contains("Connected to broker", StringComparison.Ordinal)) == 1, Explain(gw));
        Assert.DoesNotContain("Subscription watchdog", gw.Output);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: done");
    }

    /// <summary>What a new clean-session subscriber on <paramref name="node"/> receives retained on m1's status topic.</summary>
    private static string RetainedStatus(NatsCluster nats, int node)
    {
        using var sub = MosquittoClients.Sub(["-h", "127.0.0.1", "-p", nats.MqttPort(node).ToString(), "-q", "1",
            "-t", "commons/v1/c1/m1/up/status", "-C", "1", "-W", "10"]); // one message, 10 s at most
        Assert.True(sub.WaitForExit(TimeSpan.FromSeconds(15)), "mosquitto_sub did not end");
        return string.Join('\n', sub.Seen);
    }

    private static async Task<string?> StateAsync(HttpClient http, string meter)
    {
        var m = await GatewayApi.MeterAsync(http, meter);
        return m.GetProperty("status") is { ValueKind: JsonValueKind.Object } s ? s.GetProperty("state").GetString() : null;
    }
}
