using System.Diagnostics;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>Chaos: the external broker (a real mosquitto) restarted under load, and a
/// gateway connection that goes deaf while it still looks connected. Devices are the real firmware
/// core (MeterFleet); the gateway is the real process. Afterwards the ledger equals every device's
/// truth.</summary>
[Trait("Category", "Integration")]
public sealed class BrokerChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task MosquittoRestartedUnderLoad_DevicesAndGatewayReconnectAndResubscribe_NothingLost()
    {
        using var broker = new Mosquitto();
        broker.Start();
        using var gateway = ChaosKit.ExternalGateway(broker.Port);
        gateway.Start();
        using var flash = new TempDir("chaos-broker");
        await using var fleet = ChaosKit.Fleet(flash, broker.Port, "chaos-a", meters: 20);
        fleet.Start();
        var watch = Stopwatch.StartNew();
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= 300, TimeSpan.FromSeconds(15), () => $"{fleet.Status()}\n{gateway.Output}");

        // A clean restart: mosquitto saves its persistence file on SIGTERM, so what it acknowledged
        // to a device survives (a SIGKILL may lose up to its autosave_interval of 1 s: its limit).
        StopGracefully(broker);
        var atRestart = ChaosKit.Committed(gateway);
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: mosquitto stopped with {atRestart} readings committed; {fleet.Status()}");
        await Task.Delay(1000);
        broker.Restart();
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= atRestart + 500, TimeSpan.FromSeconds(15),
            () => $"{ChaosKit.Committed(gateway)} committed; {fleet.Status()}\n{ChaosKit.Tail(gateway.Output)}");
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: readings flow again, {ChaosKit.Committed(gateway)} committed; {fleet.Status()}");

        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(15));
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: done");
    }

    [Fact]
    public async Task ConnectionGoneDeafButStillOpen_WatchdogReconnectsWithinSeconds_NothingLost()
    {
        using var broker = new Mosquitto();
        broker.Start();
        await using var proxy = new ChaosProxy(broker.Port); // only the gateway goes through it
        using var gateway = ChaosKit.ExternalGateway(proxy.Port);
        gateway.Start();
        using var flash = new TempDir("chaos-deaf");
        await using var fleet = ChaosKit.Fleet(flash, broker.Port, "chaos-deaf", meters: 10);
        fleet.Start();
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= 200, TimeSpan.FromSeconds(15), () => $"{fleet.Status()}\n{gateway.Output}");

        // The gateway's TCP connection stays open, mosquitto keeps sending, nothing arrives: MQTT
        // keep-alive (30 s, dropped after 1.5x) would take 45 s to notice.
        proxy.DeafenExisting();
        var deafAt = ChaosKit.Committed(gateway);
        var watch = Stopwatch.StartNew();
        await ChaosKit.UntilAsync(() => gateway.Output.Contains("Subscription watchdog: ", StringComparison.Ordinal), TimeSpan.FromSeconds(20),
            () => ChaosKit.Tail(gateway.Output));
        var noticed = watch.Elapsed;
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= deafAt + 300, TimeSpan.FromSeconds(20),
            () => $"{ChaosKit.Committed(gateway)} committed\n{ChaosKit.Tail(gateway.Output)}");
        output.WriteLine($"deaf noticed after {noticed.TotalSeconds:F1} s, readings flowing again after {watch.Elapsed.TotalSeconds:F1} s; " +
            $"{proxy.Accepted} gateway connections");
        Assert.True(proxy.Accepted >= 2, "the gateway never opened a new connection");
        Assert.True(await ChaosKit.MetricAsync(gateway, "metering_broker_watchdog_reconnects_total") >= 1, "the watchdog's reconnect is not counted in /metrics");

        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(15));
    }

    [Fact]
    public async Task BrokerAclForbidsTheHeartbeat_WatchdogStandsDown_InsteadOfReconnectingAQuietGatewayForever()
    {
        using var files = new TempDir("chaos-acl");
        var passwords = files.File("passwords");
        using (var p = Process.Start(ServerProcess.Require("mosquitto_passwd", "mosquitto"), ["-c", "-b", passwords, "gw", "gw-secret"])) p.WaitForExit();
        // The gateway's rules as BrokerAccounts/BrokerAccount.cs gives them: read uplinks, write downlinks.
        File.WriteAllText(files.File("acl"), "user gw\ntopic read commons/v1/+/+/up/#\ntopic write commons/v1/+/+/down/#\n");
        using var broker = new Mosquitto(passwords, files.File("acl"));
        broker.Start();
        using var gateway = ChaosKit.ExternalGateway(broker.Port);
        gateway.Environment["Metering__Broker__Username"] = "gw";
        gateway.Environment["Metering__Broker__Password"] = "gw-secret";
        gateway.Start();
        await ChaosKit.UntilAsync(() => gateway.Output.Contains("watchdog off for this connection", StringComparison.Ordinal), TimeSpan.FromSeconds(20),
            () => ChaosKit.Tail(gateway.Output));
        await Task.Delay(3000); // longer than the watchdog's timeout: no reconnect may follow
        Assert.DoesNotContain("Subscription watchdog: ", gateway.Output, StringComparison.Ordinal);
        Assert.Equal(0, await ChaosKit.MetricAsync(gateway, "metering_broker_watchdog_reconnects_total"));
        using var http = gateway.CreateHttpClient();
        Assert.True((await http.GetAsync("healthz")).IsSuccessStatusCode, gateway.Output);
    }

    /// <summary>SIGTERM to this test's own mosquitto, as an operator's restart does; waits for it to exit.</summary>
    private static void StopGracefully(Mosquitto broker) =>
        Assert.True(broker.Terminate(TimeSpan.FromSeconds(10)), "mosquitto did not stop on SIGTERM");
}
