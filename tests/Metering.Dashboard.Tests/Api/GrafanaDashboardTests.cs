using System.Text.Json;
using System.Text.RegularExpressions;
using Commons.Metering.Testing.Servers;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>The Grafana dashboard in grafana/commons-metering.json: every panel's InfluxQL, with
/// Grafana's variables filled in as Grafana fills them, runs against a real influxd (Debian package
/// influxdb) holding points the real gateway wrote, and returns the numbers the ledger counted,
/// per household through the household tag.</summary>
[Trait("Category", "Integration")]
public sealed partial class GrafanaDashboardTests : IDisposable
{
    private const string Database = "metering";
    private static readonly string DashboardFile = Path.Combine(AppContext.BaseDirectory, "grafana", "commons-metering.json");
    private readonly Influxd _influxd = Influxd.StartNew();
    private readonly DashboardGateway _gateway;

    public GrafanaDashboardTests()
    {
        _influxd.CreateDatabaseAsync(Database).GetAwaiter().GetResult();
        _gateway = new DashboardGateway(0, policy: true, demoAccounts: false, environment: new Dictionary<string, string>
        {
            ["Metering__Influx__Kind"] = "V1",
            ["Metering__Influx__Url"] = _influxd.Url,
            ["Metering__Influx__Database"] = Database,
            ["Metering__Influx__FlushIntervalMs"] = "100",
        });
    }

    public void Dispose()
    {
        _gateway.Dispose();
        _influxd.Dispose();
    }

    [Fact]
    public async Task EveryPanelsQuery_ReturnsWhatTheLedgerCounted_PerHousehold()
    {
        // Two hours ago, in whole minutes: h01 uses 100 L then 150 L, h02 40 L (the first reading of a channel is its baseline), then one flagged reading.
        var t0 = DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.AddHours(-2).ToUnixTimeSeconds() / 60 * 60);
        await _gateway.PublishReadingAsync("w-h01", 1, t0, ("kitchen", 0));
        await _gateway.PublishReadingAsync("w-h01", 2, t0.AddMinutes(10), ("kitchen", 100_000));
        await _gateway.PublishReadingAsync("w-h01", 3, t0.AddMinutes(20), ("kitchen", 250_000));
        await _gateway.PublishReadingAsync("w-h02", 1, t0, ("main", 0));
        await _gateway.PublishReadingAsync("w-h02", 2, t0.AddMinutes(10), ("main", 40_000));
        await _gateway.PublishReadingAsync("w-h02", 4, t0.AddMinutes(30), ("main", 40_000)); // seq 3 lost in transit: flagged seq_gap
        Assert.True(await DashboardGateway.EventuallyAsync(async () =>
            (await _influxd.QueryRowsAsync(Database, "SELECT count(reg) FROM reading")) is [var row] && row[1].GetInt64() == 6, TimeSpan.FromSeconds(20)),
            "the gateway's 6 points never reached influxd:\n" + _gateway.Process.Output);

        using var dashboard = JsonDocument.Parse(await File.ReadAllTextAsync(DashboardFile));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToDictionary(p => p.GetProperty("id").GetInt32());
        var window = $"time >= {t0.AddHours(-1).ToUnixTimeMilliseconds()}ms and time <= {DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}ms";
        string Expand(string query, string household = ".*") => query
            .Replace("$timeFilter", window, StringComparison.Ordinal).Replace("$__interval", "10m", StringComparison.Ordinal)
            .Replace("$resource", "water", StringComparison.Ordinal).Replace("$household", household, StringComparison.Ordinal);
        async Task<List<(string? Tags, JsonElement[] Row)>> Run(int panel, string household = ".*")
        {
            var query = Expand(panels[panel].GetProperty("targets")[0].GetProperty("query").GetString()!, household);
            Assert.DoesNotMatch(Variable(), query);
            var results = await _influxd.QueryAsync(Database, query);
            var rows = new List<(string?, JsonElement[])>();
            if (!results[0].TryGetProperty("series", out var series)) return rows;
            foreach (var s in series.EnumerateArray())
            {
                var tags = s.TryGetProperty("tags", out var t) ? string.Join(",", t.EnumerateObject().Select(p => p.Name + "=" + p.Value.GetString())) : null;
                rows.AddRange(s.GetProperty("values").EnumerateArray().Select(v => (tags, v.EnumerateArray().ToArray())));
            }
            return rows;
        }
        long Sum(IEnumerable<(string? Tags, JsonElement[] Row)> rows, string? tags = null) =>
            rows.Where(r => tags is null || r.Tags == tags).Sum(r => r.Row[1].ValueKind == JsonValueKind.Number ? r.Row[1].GetInt64() : 0);

        // The household variable's own query lists the households the tag carries.
        var householdQuery = dashboard.RootElement.GetProperty("templating").GetProperty("list").EnumerateArray()
            .Single(v => v.GetProperty("name").GetString() == "household").GetProperty("query").GetString()!;
        var households = (await _influxd.QueryRowsAsync(Database, householdQuery)).Select(r => r[1].GetString()).ToList();
        Assert.Equal(["h01", "h02"], households);

        var perInterval = await Run(1);
        Assert.Equal(250_000, Sum(perInterval, "household=h01"));
        Assert.Equal(40_000, Sum(perInterval, "household=h02"));
        Assert.Equal([100_000L, 150_000L], perInterval.Where(r => r.Tags == "household=h01" && r.Row[1].GetInt64() != 0).Select(r => r.Row[1].GetInt64()).ToList());
        Assert.Equal(250_000, Sum(await Run(1, "h01")));

        var perHousehold = await Run(2);
        Assert.Equal([("household=h01", 250_000L), ("household=h02", 40_000L)], perHousehold.Select(r => (r.Tags, r.Row[1].GetInt64())).ToList());

        Assert.Equal(290_000, Sum(await Run(3)));

        var registers = await Run(4);
        Assert.Equal(250_000, registers.Single(r => r.Tags == "channel=kitchen,meter=w-h01").Row[1].GetInt64());
        Assert.Equal(40_000, registers.Single(r => r.Tags == "channel=main,meter=w-h02").Row[1].GetInt64());

        var flagged = Assert.Single(await Run(5));
        Assert.Equal(("meter=w-h02", 1L), (flagged.Tags, flagged.Row[1].GetInt64()));

        Assert.Equal([1, 2, 3, 4, 5], panels.Keys.Order());
    }

    [GeneratedRegex(@"\$\w")]
    private static partial Regex Variable();
}
