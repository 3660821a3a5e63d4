using System.Diagnostics;
using System.Text.Json;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Commons.Metering.Tests.EndToEnd;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Sinks;

/// <summary>InfluxDB rebuilt from the ledger while readings keep flowing: a real gateway with a real
/// influxd (1.x) takes the readings of 30 simulated meters (the real firmware core); the InfluxDB
/// database is dropped and created empty; POST /api/v1/influx/rebuild queues the whole ledger again,
/// twice (it must be idempotent); the fleet keeps publishing throughout. Once the fleet stops and
/// the sink drains, InfluxDB holds every reading channel of the ledger exactly once: per meter and
/// channel the same count and the same usage sum.</summary>
[Trait("Category", "Integration")]
public sealed class InfluxRebuildTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AnEmptiedInfluxDb_RebuiltFromTheLedgerUnderLiveIngest_HoldsEveryPointExactlyOnce()
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
        using var http = gateway.CreateHttpClient();

        using var flash = new TempDir("rebuild-fleet");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = gateway.BrokerPort, AckTimeout = TimeSpan.FromSeconds(20) },
            DataDirectory = flash.Path,
            Community = "rebuild",
            Meters = 30,
            // A reading a device-minute, the clock 300x: ~5 readings/s per meter, ~150/s in all.
            ReadingIntervalMs = 60_000,
            ClockSpeed = 300,
            Seed = 22,
        });
        fleet.Start();
        await WaitForAsync(() => LedgerProbe.CommittedReadings(gateway.DataDirectory) >= 1500, TimeSpan.FromMinutes(2), "1500 readings committed");

        await influx.QueryAsync(null, $"DROP DATABASE {LedgerProbe.Database}");
        await influx.QueryAsync(null, $"CREATE DATABASE {LedgerProbe.Database}");
        var emptied = LedgerProbe.CommittedReadings(gateway.DataDirectory);
        output.WriteLine($"InfluxDB emptied with {emptied} readings in the ledger");

        for (var run = 1; run <= 2; run++)
        {
            var before = LedgerProbe.CommittedReadings(gateway.DataDirectory);
            var watch = Stopwatch.StartNew();
            using var response = await http.PostAsync("api/v1/influx/rebuild?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", JsonBody());
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {body}");
            var lines = JsonDocument.Parse(body).RootElement.GetProperty("lines").GetInt64();
            var after = LedgerProbe.CommittedReadings(gateway.DataDirectory);
            output.WriteLine($"rebuild {run}: {lines} lines queued in {watch.ElapsedMilliseconds} ms; ledger {before} -> {after} readings meanwhile");
            Assert.True(lines >= before, $"rebuild queued {lines} lines, the ledger held {before} readings");
            Assert.Null(fleet.Fault);
            // Live ingest went on: readings committed after the rebuild answered.
            await WaitForAsync(() => LedgerProbe.CommittedReadings(gateway.DataDirectory) > after + 100, TimeSpan.FromSeconds(60), "live readings after the rebuild");
        }

        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(TimeSpan.FromMinutes(2)), $"device outboxes did not drain: {fleet.Status()}");
        await fleet.StopAsync(graceful: true);
        var (rows, points) = await LedgerProbe.WaitForInfluxToMatchLedgerAsync(influx, gateway.DataDirectory, TimeSpan.FromMinutes(2));
        output.WriteLine($"ledger {rows.Values.Sum(r => r.Count)} channel readings, InfluxDB {points.Values.Sum(p => p.Count)} points");
        Assert.True(rows.Values.Sum(r => r.Count) > emptied, "no reading arrived after InfluxDB was emptied");
        Assert.Equal(rows.OrderBy(r => r.Key).ToList(), points.OrderBy(p => p.Key).ToList());
    }

    [Fact]
    public async Task WithoutInfluxDb_TheRebuildIsRefused_NamingTheSetting()
    {
        using var gateway = new GatewayProcess();
        gateway.Start();
        using var http = gateway.CreateHttpClient();
        using var none = await http.PostAsync("api/v1/influx/rebuild?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z", JsonBody());
        Assert.Equal(409, (int)none.StatusCode);
        Assert.Contains("Metering:Influx:Kind is None", await none.Content.ReadAsStringAsync());
    }

    private static async Task WaitForAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"waited {timeout} for {what}");
            await Task.Delay(100);
        }
    }

    /// <summary>A signed-in browser's write carries a JSON body (the CSRF guard refuses others); a
    /// script with an API token may send none.</summary>
    private static StringContent JsonBody() => new("{}", System.Text.Encoding.UTF8, "application/json");
}
