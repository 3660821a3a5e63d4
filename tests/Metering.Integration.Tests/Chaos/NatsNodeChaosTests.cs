using System.Diagnostics;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>kill -9 of one node of a three-node NATS cluster (JetStream, MQTT) under load, with the
/// gateway and half the devices connected to it: both fail over to the next node of their lists,
/// the node comes back and rejoins, and the ledger equals every device's truth.</summary>
[Trait("Category", "Integration")]
public sealed class NatsNodeChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task KillOneNodeUnderLoad_GatewayAndDevicesFailOver_NothingLostNothingTwice()
    {
        var watch = Stopwatch.StartNew();
        using var nats = new NatsCluster();
        nats.Start();
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: three NATS nodes serve MQTT sessions");
        using var gateway = ChaosKit.ExternalGateway(nats.MqttPort(0));
        // Node 0 first: the gateway's session starts on the node that dies.
        gateway.Environment["Metering__Broker__Servers"] = nats.MqttServers;
        gateway.Environment["Metering__Broker__ClientId"] = "gateway-nats-chaos";
        gateway.Start();
        using var flash = new TempDir("chaos-nats");
        // Water meters connect to node 0 first (with the gateway), energy meters to node 1.
        await using var onDoomedNode = Fleet(nats, flash, "water", (1, 0, 0), [0, 1, 2]);
        await using var onOtherNode = Fleet(nats, flash, "energy", (0, 1, 0), [1, 2, 0]);
        onDoomedNode.Start();
        onOtherNode.Start();
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: gateway healthy, fleets started");
        string Explain() => $"{onDoomedNode.Status()} / {onOtherNode.Status()}\n{ChaosKit.Tail(gateway.Output)}\n{ChaosKit.Tail(nats.Logs, 6000)}";

        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= 150, TimeSpan.FromSeconds(20), Explain);
        var before = ChaosKit.Committed(gateway);
        nats.Kill(0);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: node 0 killed with {before} readings committed");
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= before + 150, TimeSpan.FromSeconds(30), Explain);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: {ChaosKit.Committed(gateway)} committed through nodes 1 and 2");
        nats.LaunchNode(0); // it rejoins while the fleets drain

        await ChaosKit.AssertLedgerEqualsTruthAsync(onDoomedNode, gateway, output, TimeSpan.FromSeconds(30));
        await ChaosKit.AssertLedgerEqualsTruthAsync(onOtherNode, gateway, output, TimeSpan.FromSeconds(30));
        nats.WaitServing(0);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: node 0 serves MQTT sessions again");
        output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: ledger equals truth; duplicates dropped by the ledger: " +
            $"{await ChaosKit.MetricAsync(gateway, "metering_rejected_total{reason=\"duplicate\"}")}");
    }

    /// <summary>Four meters of one kind at 600x (a reading a device-minute: ~10 readings/s each); a
    /// short confirmation timeout, so a confirmation lost with the node is made up within seconds.</summary>
    private static MeterFleet Fleet(NatsCluster nats, TempDir flash, string name, (int, int, int) mix, int[] nodes) => new(new FleetOptions
    {
        Broker = new MqttBrokerOptions
        {
            Host = "127.0.0.1", Port = nats.MqttPort(nodes[0]),
            AlsoAt = nodes.Skip(1).Select(n => ("127.0.0.1", nats.MqttPort(n))).ToList(),
            AckTimeout = TimeSpan.FromSeconds(5), ConnectTimeout = TimeSpan.FromSeconds(2),
        },
        DataDirectory = Path.Combine(flash.Path, name),
        Community = "chaos-nats",
        Meters = 4,
        Mix = mix,
        ReadingIntervalMs = 60_000,
        ClockSpeed = 600,
        ConfirmTimeout = TimeSpan.FromSeconds(3),
        Seed = 20,
    });
}
