using System.Diagnostics;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Commons.Metering.Tests.Chaos;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>End-to-end confirmation (docs/protocol.md, confirmation) against real brokers and the
/// real gateway process: whatever a broker loses after its PUBACK (SIGKILL of mosquitto with its
/// default autosave, of a village broker bridged into the gateway), the devices send again, and the
/// ledger ends holding every sequence number each device used, and usage equal to each device's truth.</summary>
[Trait("Category", "Integration")]
public sealed class ConfirmationTests(ITestOutputHelper output)
{
    /// <summary>Short, so what a killed broker lost comes back within the test's bounds.</summary>
    private static readonly TimeSpan ConfirmTimeout = TimeSpan.FromSeconds(2);

    private static MeterFleet Fleet(TempDir flash, int brokerPort, string community, int meters) => new(new FleetOptions
    {
        Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = brokerPort, AckTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(3) },
        DataDirectory = flash.Path,
        Community = community,
        Meters = meters,
        ReadingIntervalMs = 60_000,
        ClockSpeed = 600, // a device-minute in 100 ms: ~10 readings/s per meter
        ConfirmTimeout = ConfirmTimeout,
        Seed = 15,
    });

    [Fact]
    public async Task MosquittoKilledWhileHoldingReadingsForAStoppedGateway_DevicesResend_LedgerHasEverySeq()
    {
        using var broker = Mosquitto.WithDefaultAutosave();
        broker.Start();
        using var gateway = ChaosKit.ExternalGateway(broker.Port);
        gateway.Start();
        using var flash = new TempDir("confirm-kill");
        await using var fleet = Fleet(flash, broker.Port, "confirm-a", meters: 20);
        fleet.Start();
        var watch = Stopwatch.StartNew();
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= 300, TimeSpan.FromSeconds(30), () => $"{fleet.Status()}\n{gateway.Output}");

        // The gateway stops; mosquitto acknowledges the devices' readings and queues them for the
        // gateway's persistent session, in memory only (next autosave in 30 minutes).
        Assert.True(gateway.Terminate(TimeSpan.FromSeconds(20)), "the gateway did not stop on SIGTERM");
        var atStop = ChaosKit.Committed(gateway);
        var publishedAtStop = fleet.Truth().Sum(t => t.Published);
        await Task.Delay(TimeSpan.FromSeconds(5));
        var handedToBroker = fleet.Truth().Sum(t => t.Published) - publishedAtStop;
        broker.Kill();
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: gateway stopped at {atStop} readings; mosquitto SIGKILLed holding ~{handedToBroker} uplinks");
        Assert.True(handedToBroker > 100, $"only {handedToBroker} uplinks reached mosquitto while the gateway was down: the test proves less than it says");
        broker.Restart();
        gateway.StartAgain();

        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(60));
        AssertEverySeqHeld(gateway.DataDirectory, fleet.Truth());
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: every seq of every device is in the ledger ({ChaosKit.Committed(gateway)} readings)");
    }

    [Fact]
    public async Task VillageBrokerBridgedIntoTheGatewayKilled_DevicesResend_LedgerHasEverySeq()
    {
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Start();
        // The village's own mosquitto: devices connect to it, one bridge connection carries every
        // meter's uplinks to the gateway's embedded broker and brings commands and confirmations back.
        using var village = Mosquitto.WithConfig($"""
            connection gateway
            address 127.0.0.1:{gateway.BrokerPort}
            clientid village-bridge
            cleansession false
            topic commons/v1/+/+/up/# out 1
            topic commons/v1/+/+/down/# in 1
            """);
        village.Start();
        using var flash = new TempDir("confirm-bridge");
        await using var fleet = Fleet(flash, village.Port, "confirm-b", meters: 10);
        fleet.Start();
        var watch = Stopwatch.StartNew();
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= 300, TimeSpan.FromSeconds(30), () => $"{fleet.Status()}\n{village.Output}\n{gateway.Output}");
        await ChaosKit.UntilAsync(() => fleet.Truth().All(t => t.WaitsForConfirmation), TimeSpan.FromSeconds(15), () => "devices never learnt that the gateway confirms through the bridge");

        for (int kill = 0; kill < 3; kill++)
        {
            await Task.Delay(TimeSpan.FromSeconds(2));
            village.Kill();
            var at = ChaosKit.Committed(gateway);
            await Task.Delay(500);
            village.Restart();
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: village broker SIGKILLed and restarted at {at} readings");
            await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= at + 200, TimeSpan.FromSeconds(30), () => $"{fleet.Status()}\n{ChaosKit.Tail(village.Output)}");
        }

        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(60));
        AssertEverySeqHeld(gateway.DataDirectory, fleet.Truth());
    }

    [Fact]
    public async Task EmbeddedGatewayKilledUnderLoad_ConfirmingDevicesResend_LedgerHasEverySeq()
    {
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Start();
        using var flash = new TempDir("confirm-crash");
        await using var fleet = Fleet(flash, gateway.BrokerPort, "confirm-c", meters: 20);
        fleet.Start();
        await ChaosKit.UntilAsync(() => fleet.Truth().All(t => t.WaitsForConfirmation), TimeSpan.FromSeconds(30), () => $"{fleet.Status()}\n{gateway.Output}");
        for (int kill = 0; kill < 3; kill++)
        {
            var at = ChaosKit.Committed(gateway);
            await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= at + 200, TimeSpan.FromSeconds(30), () => $"{fleet.Status()}\n{ChaosKit.Tail(gateway.Output)}");
            gateway.Restart(); // SIGKILL, then start on the same data
        }
        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(60));
        AssertEverySeqHeld(gateway.DataDirectory, fleet.Truth());
    }

    /// <summary>No hole: every sequence number between a device's first and its last is in the
    /// ledger as a reading or an event (these devices never reboot, and their outboxes never fill,
    /// so they skip none).</summary>
    internal static void AssertEverySeqHeld(string dataDirectory, IReadOnlyList<MeterTruth> truths)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "metering.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = """
            SELECT meter, min(seq), max(seq), count(*) FROM (
              SELECT DISTINCT meter, seq FROM reading_channels UNION SELECT meter, seq FROM events)
            GROUP BY meter
            """;
        var holes = new List<string>();
        var meters = 0;
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            meters++;
            long min = r.GetInt64(1), max = r.GetInt64(2), count = r.GetInt64(3);
            if (max - min + 1 != count) holes.Add($"{r.GetString(0)}: seq {min}..{max} but {count} held ({max - min + 1 - count} missing)");
        }
        Assert.Equal(truths.Count, meters);
        foreach (var t in truths)
            Assert.True(t.FinalSeq is null || t.LastSeq >= t.FinalSeq, $"{t.MeterId}: last seq {t.LastSeq}");
        Assert.True(holes.Count == 0, string.Join("\n", holes));
    }
}
