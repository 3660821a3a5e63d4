using System.Diagnostics;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Commons.Metering.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>Chaos: a slow or dead sink never stalls ingest. The gateway's InfluxDB sink
/// talks to a real influxd through a proxy that turns into a black hole (connections accepted, never
/// answered: the worst case, worse than a refused connection) while 20 real-core meters publish.
/// Readings keep being committed at the rate they had with a healthy sink; when the sink recovers,
/// InfluxDB ends up holding exactly what the ledger holds.</summary>
[Trait("Category", "Integration")]
public sealed class SinkChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task InfluxBlackHoled_IngestKeepsItsRate_ThenTheSinkRecoversAndDrainsExactly()
    {
        using var influx = Influxd.StartNew();
        await influx.CreateDatabaseAsync(LedgerProbe.Database);
        await using var proxy = new ChaosProxy(influx.Port);
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Metering__Influx__Kind"] = "V1";
        gateway.Environment["Metering__Influx__Url"] = $"http://127.0.0.1:{proxy.Port}";
        gateway.Environment["Metering__Influx__Database"] = LedgerProbe.Database;
        gateway.Environment["Metering__Influx__RequestTimeoutMs"] = "1000";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Start();
        using var flash = new TempDir("chaos-sink");
        await using var fleet = ChaosKit.Fleet(flash, gateway.BrokerPort, "chaos-c", meters: 20);
        fleet.Start();
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= 100, TimeSpan.FromSeconds(15), () => $"{fleet.Status()}\n{gateway.Output}");

        var healthy = await RateAsync(gateway, TimeSpan.FromSeconds(3));
        proxy.BlackHole();
        var blackHoled = await RateAsync(gateway, TimeSpan.FromSeconds(6));
        var backlog = await ChaosKit.MetricAsync(gateway, "metering_sink_outbox_rows");
        output.WriteLine($"committed/s: {healthy:F0} with a healthy sink, {blackHoled:F0} with the sink black-holed " +
            $"(ratio {blackHoled / healthy:F2}); sink backlog {backlog} rows");
        Assert.True(backlog > 100, $"the sink was not stalled (backlog {backlog}): the test proves nothing");
        // A stalled ingest would commit next to nothing; the fleet's own rate sets both figures, so
        // half of it leaves room for a noisy shared machine without hiding a stall.
        Assert.True(blackHoled >= 0.5 * healthy, $"ingest slowed down with the sink: {blackHoled:F0}/s against {healthy:F0}/s");

        proxy.Forward();
        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(10));
        var (rows, points) = await LedgerProbe.WaitForInfluxToMatchLedgerAsync(influx, gateway.DataDirectory, TimeSpan.FromSeconds(20));
        Assert.Equal(rows.OrderBy(r => r.Key).ToList(), points.OrderBy(p => p.Key).ToList());
    }

    private static async Task<double> RateAsync(GatewayProcess gateway, TimeSpan window)
    {
        var before = ChaosKit.Committed(gateway);
        var watch = Stopwatch.StartNew();
        await Task.Delay(window);
        return (ChaosKit.Committed(gateway) - before) / watch.Elapsed.TotalSeconds;
    }
}
