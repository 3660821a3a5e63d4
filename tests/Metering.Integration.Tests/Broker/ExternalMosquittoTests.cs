using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Commons.Metering.Tests.Gateway;

namespace Commons.Metering.Tests.Broker;

/// <summary>The gateway against a real mosquitto: a persistent session with manual acknowledgement.</summary>
[Trait("Category", "Integration")]
public sealed class ExternalMosquittoTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static readonly DateTimeOffset T0 = DateTimeOffset.UtcNow.AddHours(-3);
    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();

    private static GatewayProcess ExternalGateway(Mosquitto broker)
    {
        var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__Mode"] = "External";
        gw.Environment["Metering__Broker__Port"] = broker.Port.ToString();
        gw.Environment["Metering__Broker__ClientId"] = "gateway-under-test";
        return gw;
    }

    [Fact]
    public async Task ReadingsPublishedWhileTheGatewayIsDown_AreCommittedWhenItReturns_ExactlyOnce()
    {
        using var broker = new Mosquitto();
        broker.Start();
        using var gw = ExternalGateway(broker);
        gw.Start(); // healthy = subscribed: the broker keeps the session from now on
        using var http = gw.CreateHttpClient();
        await GatewayApi.RegisterAsync(http, "m1");
        await using var device = new TestDevice("c1", "m1", broker.Port);
        for (var seq = 1; seq <= 20; seq++) await device.PublishAsync("reading", TestDevice.Reading(seq, Ms(T0.AddSeconds(seq)), seq * 10L));
        await GatewayApi.EventuallyAsync(async () => await GatewayApi.LastSeqAsync(http, "m1") == 20, TimeSpan.FromSeconds(30), () => gw.Output);

        gw.Kill();
        for (var seq = 21; seq <= 500; seq++) await device.PublishAsync("reading", TestDevice.Reading(seq, Ms(T0.AddSeconds(seq)), seq * 10L));
        var clock = System.Diagnostics.Stopwatch.StartNew();
        gw.Restart();

        await GatewayApi.EventuallyAsync(async () => await GatewayApi.LastSeqAsync(http, "m1") == 500, TimeSpan.FromSeconds(60), () => gw.Output);
        output.WriteLine($"backlog of 480 committed {clock.ElapsedMilliseconds} ms after the restart began, in " +
            $"{await GatewayApi.MetricAsync(http, "metering_ledger_commit_batch_size_count")} transactions");
        Assert.Equal(499 * 10, await GatewayApi.ChannelUsageAsync(http, "m1", "main", T0.AddHours(-1), T0.AddHours(1)));
        Assert.Equal(480, await GatewayApi.MetricAsync(http, "metering_readings_ingested_total"));
        Assert.Equal(0, await GatewayApi.MetricAsync(http, "metering_flagged_total{flag=\"seq_gap\"}"));
    }

    [Fact]
    public async Task GatewayKilledWhileCommitting_RedeliveredReadingsAreDuplicates_AndTheLedgerIsExact()
    {
        using var broker = new Mosquitto();
        broker.Start();
        using var gw = ExternalGateway(broker);
        gw.Start();
        using var http = gw.CreateHttpClient();
        await GatewayApi.RegisterAsync(http, "m1");
        await using var device = new TestDevice("c1", "m1", broker.Port);
        const int total = 2_000;
        var publisher = Task.Run(async () =>
        {
            for (var seq = 1; seq <= total; seq++) await device.PublishAsync("reading", TestDevice.Reading(seq, Ms(T0.AddSeconds(seq)), seq * 7L));
        });
        await GatewayApi.EventuallyAsync(async () => await GatewayApi.LastSeqAsync(http, "m1") >= 300, TimeSpan.FromSeconds(60), () => gw.Output);
        gw.Kill(); // mid-stream: some uplinks committed but not yet acknowledged
        gw.Restart();
        await publisher.WaitAsync(TimeSpan.FromSeconds(60));
        await GatewayApi.EventuallyAsync(async () => await GatewayApi.LastSeqAsync(http, "m1") == total, TimeSpan.FromSeconds(60), () => gw.Output);
        Assert.Equal((total - 1) * 7, await GatewayApi.ChannelUsageAsync(http, "m1", "main", T0.AddHours(-1), T0.AddHours(1)));
    }

    [Fact]
    public async Task BrokerRestart_TheGatewayReconnectsAndResubscribes()
    {
        using var broker = new Mosquitto();
        broker.Start();
        using var gw = ExternalGateway(broker);
        gw.Environment["Metering__Broker__ReconnectMaxDelayMs"] = "1000";
        gw.Start();
        using var http = gw.CreateHttpClient();
        await GatewayApi.RegisterAsync(http, "m1");
        broker.Restart();
        static int Connections(string output) => output.Split('\n').Count(l => l.Contains("Connected to broker", StringComparison.Ordinal));
        await GatewayApi.EventuallyAsync(async () => Connections(gw.Output) >= 2 && (await http.GetAsync("healthz")).IsSuccessStatusCode,
            TimeSpan.FromSeconds(30), () => gw.Output);
        await using var device = new TestDevice("c1", "m1", broker.Port);
        await device.PublishAsync("reading", TestDevice.Reading(1, Ms(T0), 10));
        await device.PublishAsync("reading", TestDevice.Reading(2, Ms(T0.AddSeconds(1)), 25));
        await GatewayApi.EventuallyAsync(async () => await GatewayApi.LastSeqAsync(http, "m1") == 2, TimeSpan.FromSeconds(30), () => gw.Output);
        Assert.Equal(15, await GatewayApi.ChannelUsageAsync(http, "m1", "main", T0.AddHours(-1), T0.AddHours(1)));
    }

    /// <summary>MQTTnet sets SO_RCVBUF to 8 KB unless told otherwise, which turned off the kernel's
    /// autotuning on the one connection that carries every uplink: under a backlog the kernel dropped
    /// segments and the broker's TCP stalled for seconds (ExternalBrokerIngest.SocketBufferBytes). The
    /// kernel's own view of the socket (ss's skmem "rb", the doubled SO_RCVBUF) must show more.</summary>
    [Fact]
    public void TheGatewaysConnectionToTheBroker_HasAReceiveBufferForABacklog()
    {
        using var broker = new Mosquitto();
        broker.Start();
        using var gw = ExternalGateway(broker);
        gw.Start();
        var (code, sockets) = Command.Run(ServerProcess.Require("ss", "iproute2"), "-tnmp");
        Assert.Equal(0, code);
        var lines = sockets.Split('\n');
        // ss prints a socket's line, then its skmem line.
        var at = Array.FindIndex(lines, l => l.Contains($":{broker.Port} ", StringComparison.Ordinal) && l.Contains($"pid={gw.Pid},", StringComparison.Ordinal));
        Assert.True(at >= 0 && at + 1 < lines.Length, $"no socket of the gateway (pid {gw.Pid}) toward port {broker.Port} in:\n{string.Join('\n', lines)}");
        var rb = System.Text.RegularExpressions.Regex.Match(lines[at + 1], @"\brb(\d+)");
        Assert.True(rb.Success, lines[at + 1]);
        output.WriteLine($"gateway -> broker socket: {lines[at + 1].Trim()}");
        Assert.True(long.Parse(rb.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) >= 128 * 1024,
            $"receive buffer {rb.Groups[1].Value} bytes (MQTTnet's default gives 16384)");
    }
}
