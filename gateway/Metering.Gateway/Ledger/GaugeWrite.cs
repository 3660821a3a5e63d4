using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>A gauge uplink of a registered meter: stored in its own table, no usage, no register
/// state (docs/protocol.md, gauge).</summary>
public sealed record GaugeWrite(MeterInfo MeterInfo, GaugeUplink Gauge, long ReceivedMs) : LedgerWrite(MeterInfo.Id, ReceivedMs);

/// <summary>One stored gauge summary, as the API and the stage triggers read it.</summary>
public sealed record GaugeSample(string Meter, string Gauge, string Quantity, string Sensor, long Seq, long TsMs,
    long Last, long Min, long Max, long Mean, long Samples, long ReceivedMs, string? Flag)
{
    /// <summary>True unless flagged: a physically impossible value is kept in the ledger but never
    /// drives a stage.</summary>
    public bool Plausible => Flag is null;
}

/// <summary>Reads the stored gauges (the SQLite store implements it).</summary>
public interface IGaugeReader
{
    /// <summary>The newest summary of each gauge of a meter, by gauge name.</summary>
    IReadOnlyList<GaugeSample> LatestGauges(string meter);

    /// <summary>The summaries of one gauge with fromMs &lt;= ts &lt; toMs, oldest first, at most
    /// <paramref name="limit"/>.</summary>
    IReadOnlyList<GaugeSample> GaugeSeries(string meter, string gauge, long fromMs, long toMs, int limit);
}
