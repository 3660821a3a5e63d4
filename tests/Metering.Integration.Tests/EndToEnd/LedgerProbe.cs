using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Testing.Servers;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>Reads back what the gateway committed: the ledger through the public API, the rows
/// through the SQLite file (read-only), and InfluxDB through InfluxQL — three independent views
/// that the end-to-end tests compare with the devices' truth.</summary>
internal static class LedgerProbe
{
    public const string Database = "metering";

    public static async Task<long> UsageAsync(HttpClient http, string meterId, string channel)
    {
        var body = await http.GetFromJsonAsync<JsonElement>(
            $"api/v1/meters/{meterId}/usage?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z");
        foreach (var c in body.GetProperty("channels").EnumerateArray())
            if (c.GetProperty("name").GetString() == channel) return c.GetProperty("usage").GetInt64();
        return 0;
    }

    /// <summary>(meter, channel) -> (committed readings, summed usage) from the ledger's own rows.</summary>
    public static Dictionary<(string Meter, string Channel), (long Count, long Usage)> LedgerRows(string dataDirectory)
    {
        var result = new Dictionary<(string, string), (long, long)>();
        using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "metering.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT meter, channel, count(*), sum(usage) FROM reading_channels GROUP BY meter, channel";
        using var r = cmd.ExecuteReader();
        while (r.Read()) result[(r.GetString(0), r.GetString(1))] = (r.GetInt64(2), r.GetInt64(3));
        return result;
    }

    public static long CommittedReadings(string dataDirectory)
    {
        using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "metering.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM readings";
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>(meter, channel) -> (points, summed usage) as InfluxDB holds them.</summary>
    public static async Task<Dictionary<(string Meter, string Channel), (long Count, long Usage)>> InfluxRowsAsync(Influxd influx)
    {
        var result = new Dictionary<(string, string), (long, long)>();
        var series = await influx.QueryAsync(Database, "SELECT count(reg), sum(usage) FROM reading GROUP BY meter, channel");
        foreach (var statement in series.EnumerateArray())
        {
            if (!statement.TryGetProperty("series", out var all)) continue;
            foreach (var s in all.EnumerateArray())
            {
                var tags = s.GetProperty("tags");
                var row = s.GetProperty("values")[0];
                result[(tags.GetProperty("meter").GetString()!, tags.GetProperty("channel").GetString()!)] =
                    (row[1].GetInt64(), row[2].GetInt64());
            }
        }
        return result;
    }

    public static async Task WaitForSinkDrainAsync(HttpClient http, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var metrics = await http.GetStringAsync("metrics");
            var line = metrics.Split('\n').FirstOrDefault(l => l.StartsWith("metering_sink_outbox_rows ", StringComparison.Ordinal));
            if (line is not null && line.EndsWith(" 0", StringComparison.Ordinal)) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"sink outbox not drained: {line}");
            await Task.Delay(100);
        }
    }
}
