using System.Diagnostics;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;
using Commons.Metering.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>What the chaos tests share: a fleet of real-core meters, bounded waits, and the final
/// check that the ledger equals every device's truth (LedgerProbe, as the crash test does).</summary>
internal static class ChaosKit
{
    /// <summary>A reading a device-minute at 600x: ~10 readings/s per meter (as GatewayCrashTests).</summary>
    public static MeterFleet Fleet(TempDir flash, int brokerPort, string community, int meters, double clockSpeed = 600,
        int readingIntervalMs = 60_000, int outboxCapacity = 256) => new(new FleetOptions
    {
        Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = brokerPort, AckTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(3) },
        DataDirectory = flash.Path,
        Community = community,
        Meters = meters,
        ReadingIntervalMs = readingIntervalMs,
        ClockSpeed = clockSpeed,
        OutboxCapacity = outboxCapacity,
        Seed = 6,
    });

    /// <summary>The gateway process in external-broker mode against a broker on this loopback port;
    /// a fast watchdog (heartbeat 0.5 s, deaf after 2 s) and reconnect (at most 1 s).</summary>
    public static GatewayProcess ExternalGateway(int brokerPort, string? dataDirectory = null)
    {
        var gw = new GatewayProcess(dataDirectory);
        gw.Environment["Metering__Broker__Mode"] = "External";
        gw.Environment["Metering__Broker__Port"] = brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        gw.Environment["Metering__Broker__ClientId"] = "gateway-chaos";
        gw.Environment["Metering__Broker__ReconnectMaxDelayMs"] = "1000";
        gw.Environment["Metering__Broker__WatchdogIntervalMs"] = "500";
        gw.Environment["Metering__Broker__WatchdogTimeoutMs"] = "2000";
        gw.Environment["Metering__Registry__AutoRegister"] = "true";
        gw.Environment["Logging__LogLevel__Default"] = "Warning";
        return gw;
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> explain) =>
        Poll.UntilOrFailAsync(condition, timeout, explain, TimeSpan.FromMilliseconds(100));

    /// <summary>Readings committed so far (0 before the ledger file exists).</summary>
    public static long Committed(GatewayProcess gateway) =>
        File.Exists(Path.Combine(gateway.DataDirectory, "metering.db")) ? LedgerProbe.CommittedReadings(gateway.DataDirectory) : 0;

    /// <summary>Freezes the fleet, waits until every device's outbox is acknowledged, stops it, and
    /// waits until the ledger's usage equals every meter's truth, channel by channel.</summary>
    public static async Task AssertLedgerEqualsTruthAsync(MeterFleet fleet, GatewayProcess gateway, ITestOutputHelper output, TimeSpan timeout)
    {
        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(timeout), $"device outboxes did not drain: {fleet.Status()}\n{Tail(gateway.Output)}");
        var truths = fleet.Truth();
        await fleet.StopAsync(graceful: true);
        using var http = gateway.CreateHttpClient();
        var deadline = Stopwatch.StartNew();
        List<string> mismatches;
        do
        {
            mismatches = [];
            foreach (var truth in truths)
                foreach (var channel in truth.Channels)
                {
                    var ledger = await LedgerProbe.UsageAsync(http, truth.MeterId, channel.Name);
                    if (ledger != channel.Usage) mismatches.Add($"{truth.MeterId}/{channel.Name}: ledger {ledger}, device {channel.Usage}");
                }
            if (mismatches.Count == 0) break;
            await Task.Delay(200); // an external broker may still be delivering what the devices handed it
        } while (deadline.Elapsed < timeout);
        output.WriteLine($"ledger checked against {truths.Count} meters: {Committed(gateway)} readings committed");
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches.Take(20)) + "\n" + Tail(gateway.Output));
    }

    public static async Task<double> MetricAsync(GatewayProcess gateway, string series)
    {
        using var http = gateway.CreateHttpClient();
        var text = await http.GetStringAsync("metrics");
        var line = text.Split('\n').FirstOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal));
        return line is null ? 0 : double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    public static string Tail(string text, int chars = 4000) => text.Length <= chars ? text : text[^chars..];
}
