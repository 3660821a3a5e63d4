using System.Diagnostics;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Replay;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Chaos;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>Long backlogs drain through a gateway with its default settings, paced by its
/// confirmations (docs/protocol.md, "Pacing"), never cut off by its flood protection.</summary>
[Collection(TestStreams.Beside)]
[Trait("Category", "Integration")]
public sealed class BacklogTests(ITestOutputHelper output)
{
    /// <summary>One energy meter's history at minute resolution: a register that rises by a
    /// household's varying draw each minute (deterministic), so every row is one reading.</summary>
    internal static List<DatasetRow> MinuteHistory(string meter, int rows, long endUnixMs)
    {
        var random = new Random(100_000);
        var start = endUnixMs - (rows - 1) * 60_000L;
        var register = 1_000_000L;
        var list = new List<DatasetRow>(rows);
        for (int i = 0; i < rows; i++)
        {
            var hour = i / 60 % 24;
            // 5-40 Wh a minute in the evening peak, 0-8 at night: a 0.3-2.4 kW household.
            register += hour is >= 17 and < 22 ? random.Next(5, 41) : hour is >= 7 and < 17 ? random.Next(1, 16) : random.Next(0, 9);
            list.Add(new DatasetRow(start + i * 60_000L, meter, "grid_import", "Wh", register));
        }
        return list;
    }

    [Fact]
    public async Task HundredThousandMinuteRowsOfOneMeter_ReplayThroughTheDefaultGateway_EveryRowOneReading_ExactTotal()
    {
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Start();
        var rows = MinuteHistory("history-1", 100_000, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 60_000);
        using var flash = new TempDir("backlog-replay");
        var watch = Stopwatch.StartNew();
        var result = await DatasetReplayer.RunAsync(rows, MeterKind.Energy, new ReplayOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = gateway.BrokerPort },
            DataDirectory = flash.Path,
            Community = "history",
            DrainTimeout = TimeSpan.FromSeconds(60),
        });
        output.WriteLine($"replayed {result.RowsFed} rows in {watch.Elapsed.TotalSeconds:F1} s ({result.RowsFed / watch.Elapsed.TotalSeconds:F0}/s), " +
                         $"{result.Published} uplinks published, {result.Acknowledged} PUBACKs");
        Assert.Null(result.Fault);
        Assert.True(result.Drained, $"replay did not drain: {result.RowsFed}/{result.RowsTotal}\n{ChaosKit.Tail(gateway.Output)}");

        Assert.Equal(rows.Count, LedgerProbe.CommittedReadings(gateway.DataDirectory));
        var expected = ExpectedLedger.Compute(rows).Channels.Single();
        using var http = gateway.CreateHttpClient();
        Assert.Equal(expected.Usage, await LedgerProbe.UsageAsync(http, "history-1", "grid_import"));
        Assert.Equal(0, await ChaosKit.MetricAsync(gateway, "metering_rejected_total{reason=\"rate_limited\"}"));
        ConfirmationTests.AssertEverySeqHeld(gateway.DataDirectory, result.Meters);
    }

    [Fact]
    public async Task DeviceOfflineSevenDaysAtOneReadingAMinute_DrainsCompletely_WithoutACutOff_LedgerExact()
    {
        using var gateway = new GatewayProcess(); // not started yet: the device's broker is away for a week
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        using var flash = new TempDir("backlog-week");
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 8 * 86_400_000L;
        var clock = new SimulatedClock(start);
        // The outbox at its largest (4,096 records, in a flash file of 512 blocks of 4 KB): a week of
        // 10,080 readings still thins it, and what stays is about four times the gateway's burst.
        using var store = new FileBlockStore(flash.File("week.flash"), blockCount: 512);
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1", Port = gateway.BrokerPort, ConnectTimeout = TimeSpan.FromSeconds(2) });
        var device = new MeterDevice(new DeviceConfig { Community = "backlog", MeterId = "week-1", OutboxCapacity = 4096, MaxInflight = 8 },
            clock, store, transport, new SeededRandom(3));
        var channel = device.AddRegisterChannel("grid_import", "Wh");
        device.Start();
        var register = 0L;
        var first = -1L;
        var random = new Random(7);
        for (int minute = 0; minute < 7 * 1440; minute++)
        {
            register += random.Next(0, 30);
            channel.Sample(register);
            clock.Advance(60_000);
            device.Tick(); // one reading a minute; connecting fails at once (nothing listens on the port)
            if (first < 0) first = register; // the first reading is the ledger's baseline
        }
        output.WriteLine($"a week offline: seq {device.LastSeq}, outbox {device.OutboxDepth}");
        Assert.True(device.OutboxDepth > 3000, $"only {device.OutboxDepth} in the outbox: the backlog is smaller than the test says");

        gateway.Start();
        var watch = Stopwatch.StartNew();
        while (device.OutboxDepth > 0)
        {
            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(3), $"outbox {device.OutboxDepth} left\n{ChaosKit.Tail(gateway.Output)}");
            clock.Advance(5); // the device's clock goes on while it drains (a few ms a tick)
            device.Tick();
            await Task.Delay(1);
        }
        output.WriteLine($"drained in {watch.Elapsed.TotalSeconds:F1} s ({device.LastSeq / watch.Elapsed.TotalSeconds:F0}/s)");
        Assert.True(device.WaitsForConfirmation);
        using var http = gateway.CreateHttpClient();
        Assert.Equal(register - first, await LedgerProbe.UsageAsync(http, "week-1", "grid_import"));
        Assert.Equal(0, await ChaosKit.MetricAsync(gateway, "metering_rejected_total{reason=\"rate_limited\"}"));
        Assert.Equal(0, await ChaosKit.MetricAsync(gateway, "metering_flagged_total{flag=\"late\"}"));
    }
}
