namespace Commons.Metering.Gateway.Ledger.Postgres;

/// <summary>Gauge queries for the API and the stage triggers, on pooled reader connections.</summary>
internal sealed partial class PostgresStateStore
{
    private const string GaugeColumns = "meter, gauge, quantity, sensor, seq, ts_ms, last, min, max, mean, samples, received_ms, flag";

    public IReadOnlyList<GaugeSample> LatestGauges(string meter)
    {
        var list = new List<GaugeSample>();
        // The newest summary of each gauge: the row of the highest ts_ms per gauge.
        Read($"""
            SELECT {GaugeColumns} FROM gauges g
            WHERE meter = $1 AND seq = (SELECT seq FROM gauges WHERE meter = g.meter AND gauge = g.gauge ORDER BY ts_ms DESC, seq DESC LIMIT 1)
            ORDER BY gauge
            """, [meter], r => list.Add(ToGauge(r)));
        return list;
    }

    public IReadOnlyList<GaugeSample> GaugeSeries(string meter, string gauge, long fromMs, long toMs, int limit)
    {
        var list = new List<GaugeSample>();
        Read($"""
            SELECT {GaugeColumns} FROM gauges
            WHERE meter = $1 AND gauge = $2 AND ts_ms >= $3 AND ts_ms < $4 ORDER BY ts_ms, seq LIMIT $5
            """, [meter, gauge, fromMs, toMs, limit], r => list.Add(ToGauge(r)));
        return list;
    }

    private static GaugeSample ToGauge(Npgsql.NpgsqlDataReader r) =>
        new(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5),
            r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10), r.GetInt64(11), NullableString(r, 12));
}
