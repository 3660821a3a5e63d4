using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>Crash test: the gateway process is killed with SIGKILL at random moments
/// (10 times) while 100 simulated meters — the real firmware core, each with its own flash file
/// and outbox — stream at least 50,000 readings through its embedded broker. Every time it is
/// restarted on the same data. Afterwards every meter's ledger equals the device's truth exactly,
/// and InfluxDB holds every committed reading exactly once.</summary>
[Trait("Category", "Integration")]
public sealed class GatewayCrashTests(ITestOutputHelper output)
{
    private const int Meters = 100;
    private const int Kills = 10;
    private const long MinReadings = 50_000;

    [Fact]
    public async Task GatewayKilledAtRandomTenTimes_LedgerEqualsDeviceTruth_AndInfluxHoldsEachReadingOnce()
    {
        using var influx = Influxd.StartNew();
        await influx.CreateDatabaseAsync(LedgerProbe.Database);
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Metering__Influx__Kind"] = "V1";
        gateway.Environment["Metering__Influx__Url"] = influx.Url;
        gateway.Environment["Metering__Influx__Database"] = LedgerProbe.Database;
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Start();

        var truths = await CrashDriver.RunAsync(gateway, new CrashRun(Meters, Kills, MinReadings, TimeSpan.FromMinutes(6), MaxPauseMs: 5000),
            () => LedgerProbe.CommittedReadings(gateway.DataDirectory), output);
        using var http = gateway.CreateHttpClient();

        // 1. The ledger equals the devices' truth, meter by meter, channel by channel.
        var mismatches = new List<string>();
        foreach (var truth in truths)
            foreach (var channel in truth.Channels)
            {
                var ledger = await LedgerProbe.UsageAsync(http, truth.MeterId, channel.Name);
                if (ledger != channel.Usage) mismatches.Add($"{truth.MeterId}/{channel.Name}: ledger {ledger}, device {channel.Usage}");
            }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));

        // 2. InfluxDB holds every committed reading exactly once (same count, same usage), once the
        //    sink has drained its outbox.
        var (rows, points) = await LedgerProbe.WaitForInfluxToMatchLedgerAsync(influx, gateway.DataDirectory, TimeSpan.FromMinutes(2));
        Assert.True(rows.Values.Sum(r => r.Count) >= MinReadings, $"only {rows.Values.Sum(r => r.Count)} channel readings");
        foreach (var key in rows.Keys.Where(k => !points.TryGetValue(k, out var p) || p != rows[k]).Take(3))
            output.WriteLine(await LedgerProbe.ExplainAsync(influx, gateway.DataDirectory, key.Meter, key.Channel));
        Assert.Equal(rows.OrderBy(r => r.Key).ToList(), points.OrderBy(p => p.Key).ToList());
    }
}
