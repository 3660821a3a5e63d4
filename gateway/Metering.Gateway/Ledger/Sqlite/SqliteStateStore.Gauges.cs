using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Ledger.Sqlite;

/// <summary>Gauge queries for the API and the stage triggers, on short-lived read-only connections.</summary>
internal sealed partial class SqliteStateStore
{
    private const string GaugeColumns = "meter, gauge, quantity, sensor, seq, ts_ms, last, min, max, mean, samples, received_ms, flag";

    public IReadOnlyList<GaugeSample> LatestGauges(string meter)
    {
        using var c = Reader();
        using var cmd = c.CreateCommand();
        // The newest summary of each gauge: the row of the highest ts_ms per gauge.
        cmd.CommandText = $"""
            SELECT {GaugeColumns} FROM gauges g
            WHERE meter = $m AND seq = (SELECT seq FROM gauges WHERE meter = g.meter AND gauge = g.gauge ORDER BY ts_ms DESC, seq DESC LIMIT 1)
            ORDER BY gauge
            """;
        cmd.Parameters.AddWithValue("$m", meter);
        return ReadGauges(cmd);
    }

    public IReadOnlyList<GaugeSample> GaugeSeries(string meter, string gauge, long fromMs, long toMs, int limit)
    {
        using var c = Reader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"""
            SELECT {GaugeColumns} FROM gauges
            WHERE meter = $m AND gauge = $g AND ts_ms >= $f AND ts_ms < $t ORDER BY ts_ms, seq LIMIT $n
            """;
        cmd.Parameters.AddWithValue("$m", meter);
        cmd.Parameters.AddWithValue("$g", gauge);
        cmd.Parameters.AddWithValue("$f", fromMs);
        cmd.Parameters.AddWithValue("$t", toMs);
        cmd.Parameters.AddWithValue("$n", limit);
        return ReadGauges(cmd);
    }

    private static List<GaugeSample> ReadGauges(SqliteCommand cmd)
    {
        var list = new List<GaugeSample>();
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            list.Add(new GaugeSample(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5),
                r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), NullableString(r, 12)));
        }
        return list;
    }
}
