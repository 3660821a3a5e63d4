using System.Diagnostics;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Replay;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Chaos;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>Long backlogs drain through a gateway with its default settings, paced by its
/// confirmations (docs/protocol.md, "Pacing"), never cut off by its flood protection.</summary>
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
    public async Task DeviceOfflineSevenDaysAtOneReadingAMinute_DrainsCompletely_LedgerExact()
    {
        const double week = 7 * 86_400_000.0;
        using var gateway = new GatewayProcess(); // not started yet: the device's broker is away for a week
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        using var flash = new TempDir("backlog-week");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = gateway.BrokerPort, ConnectTimeout = TimeSpan.FromSeconds(2), AckTimeout = TimeSpan.FromSeconds(10) },
            DataDirectory = flash.Path,
            Community = "backlog",
            Meters = 3,
            Mix = (1, 1, 0),
            ReadingIntervalMs = 60_000,
            ClockSpeed = week / 20_000, // a device-week in 20 s
            ClockStartUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 2 * (long)week,
            Seed = 8,
        });
        fleet.Start();
        await ChaosKit.UntilAsync(() => fleet.ClockUnixMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() >= -(long)week,
            TimeSpan.FromSeconds(60), () => $"{fleet.Status()}");
        var offline = fleet.Truth();
        output.WriteLine("a device-week offline: " + string.Join("; ", offline.Select(t => $"{t.MeterId}: seq {t.LastSeq}, outbox {t.OutboxDepth}")));
        Assert.All(offline, t => Assert.True(t.LastSeq > 5_000, $"{t.MeterId}: only {t.LastSeq} uplinks in a device-week"));

        gateway.Start();
        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(60));
        Assert.Equal(0, await ChaosKit.MetricAsync(gateway, "metering_rejected_total{reason=\"rate_limited\"}"));
        Assert.Equal(0, await ChaosKit.MetricAsync(gateway, "metering_flagged_total{flag=\"late\"}"));
    }
}
