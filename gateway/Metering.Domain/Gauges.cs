namespace Commons.Metering.Gateway.Domain;

/// <summary>A gauge uplink (docs/protocol.md, gauge): instantaneous quantities, each the summary
/// of the samples a device took over one interval. No register, no usage.</summary>
public sealed record GaugeUplink(long Seq, long TsMs, IReadOnlyList<GaugeValue> Gauges);

/// <summary>One gauge of a gauge uplink, in the integer base unit its quantity names
/// (<c>level_mm</c>, <c>pressure_pa</c>, ...).</summary>
public sealed record GaugeValue(string Name, string Quantity, string Sensor, long Last, long Min, long Max, long Mean, long Samples);

/// <summary>The closed word lists of v1 gauges (docs/protocol.md, gauge).</summary>
public static class GaugeWords
{
    public static readonly IReadOnlySet<string> Quantities = new HashSet<string>(StringComparer.Ordinal)
    {
        "level_mm", "pressure_pa", "voltage_mv", "current_ma", "power_w", "charge_pct", "temperature_mdegc",
    };

    public static readonly IReadOnlySet<string> Sensors = new HashSet<string>(StringComparer.Ordinal)
    {
        "a02yyuw", "ads1115", "ina219", "pzem", "sim",
    };

    /// <summary>docs/protocol.md, gauge: `g` has 1..8 entries.</summary>
    public const int MaxGauges = 8;
}
