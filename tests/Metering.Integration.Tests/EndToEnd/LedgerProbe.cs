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
        cmd.CommandText = "SELECT count(*) FROM (SELECT DISTINCT meter, seq FROM reading_channels)";
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

    /// <summary>Polls until InfluxDB holds exactly what the ledger holds, reading both anew each
    /// time (a device's last in-flight reading may still be committed after its fleet stopped), or
    /// the time is up; returns the last pair for the caller's assertion to show.</summary>
    public static async Task<(Dictionary<(string Meter, string Channel), (long Count, long Usage)> Ledger,
        Dictionary<(string Meter, string Channel), (long Count, long Usage)> Influx)> WaitForInfluxToMatchLedgerAsync(
        Influxd influx, string dataDirectory, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var points = await InfluxRowsAsync(influx);
            var rows = LedgerRows(dataDirectory);
            var same = points.Count == rows.Count && rows.All(e => points.TryGetValue(e.Key, out var p) && p == e.Value);
            if (same || DateTime.UtcNow > deadline) return (rows, points);
            await Task.Delay(200);
        }
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

    /// <summary>For a failure message: the readings of one channel that the ledger holds and
    /// InfluxDB does not (or the other way round), with their device times and flags, and the
    /// sink's dead letters.</summary>
    public static async Task<string> ExplainAsync(Influxd influx, string dataDirectory, string meter, string channel)
    {
        // Every point of the channel, in every series (GROUP BY * keeps points apart whose tags differ).
        var influxPoints = new List<(long Seq, long TimeMs, string Tags)>();
        var results = await influx.QueryAsync(Database, $"SELECT seq FROM reading WHERE meter='{meter}' AND channel='{channel}' GROUP BY *");
        foreach (var statement in results.EnumerateArray())
        {
            if (!statement.TryGetProperty("series", out var all)) continue;
            foreach (var series in all.EnumerateArray())
                foreach (var v in series.GetProperty("values").EnumerateArray())
                    influxPoints.Add((v[1].GetInt64(), v[0].GetInt64(), series.GetProperty("tags").ToString()));
        }
        var influxSeqs = influxPoints.Select(p => p.Seq).ToHashSet();
        var sb = new System.Text.StringBuilder($"{meter}/{channel}: ");
        using var db = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "metering.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT seq, ts_ms, usage, flag FROM reading_channels WHERE meter = $m AND channel = $c ORDER BY seq";
        cmd.Parameters.AddWithValue("$m", meter);
        cmd.Parameters.AddWithValue("$c", channel);
        var ledgerSeqs = new HashSet<long>();
        using (var r = cmd.ExecuteReader())
            while (r.Read())
            {
                ledgerSeqs.Add(r.GetInt64(0));
                if (!influxSeqs.Contains(r.GetInt64(0)))
                    sb.Append($"[ledger only: seq {r.GetInt64(0)} ts {r.GetInt64(1)} usage {r.GetInt64(2)} flag {(r.IsDBNull(3) ? "-" : r.GetString(3))}] ");
            }
        foreach (var seq in influxSeqs.Where(s => !ledgerSeqs.Contains(s))) sb.Append($"[influx only: seq {seq}] ");
        foreach (var twice in influxPoints.GroupBy(p => p.Seq).Where(g => g.Count() > 1))
            sb.Append($"[influx holds seq {twice.Key} {twice.Count()} times: {string.Join(", ", twice.Select(p => $"t={p.TimeMs} {p.Tags}"))}] ");
        using var dead = db.CreateCommand();
        dead.CommandText = "SELECT count(*) FROM sink_dead_letter";
        sb.Append($"dead letters: {dead.ExecuteScalar()}");
        return sb.ToString();
    }
}
