using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ledger.Sqlite;

/// <summary>The gauges table (SqliteSchema): one row per gauge of a gauge uplink.</summary>
internal sealed partial class SqliteLedgerTransaction
{
    public bool TryInsertGauge(string meter, GaugeUplink uplink, GaugeValue g, string? flag, long receivedMs) =>
        Run("""
            INSERT OR IGNORE INTO gauges(meter, seq, gauge, quantity, sensor, last, min, max, mean, samples, ts_ms, received_ms, flag)
            VALUES ($a, $b, $c, $d, $e, $f, $g, $h, $i, $j, $k, $l, $m)
            """, meter, uplink.Seq, g.Name, g.Quantity, g.Sensor, g.Last, g.Min, g.Max, g.Mean, g.Samples, uplink.TsMs, receivedMs, flag) == 1;
}
