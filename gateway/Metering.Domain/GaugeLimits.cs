
namespace Commons.Metering.Gateway.Domain;

/// <summary>What each sensor can physically report (docs/protocol.md, gauge): a summary with any
/// value (min, max, last, mean) outside it is impossible, stored with the flag gauge_impossible and
/// ignored by stage triggers. The quantity's own limits apply to every sensor.</summary>
public static class GaugeLimits
{
    /// <summary>Absolute zero in milli-degrees Celsius.</summary>
    private const long AbsoluteZeroMdegC = -273_150;

    /// <summary>(min, max) in the quantity's base unit, or null when the quantity has no bound there.</summary>
    public static (long? Min, long? Max) QuantityRange(string quantity) => quantity switch
    {
        "level_mm" => (0, null),
        "pressure_pa" => (0, null),        // gauge transducers read 0 at atmosphere
        "voltage_mv" => (0, null),
        "charge_pct" => (0, 100),
        "temperature_mdegc" => (AbsoluteZeroMdegC, null),
        _ => (null, null),                 // current and power are signed
    };

    /// <summary>(min, max) a sensor can measure in a quantity, from its datasheet; null when unbounded.</summary>
    public static (long? Min, long? Max) SensorRange(string sensor, string quantity) => (sensor, quantity) switch
    {
        // A02YYUW: measuring range 30-4500 mm, so no level it reports exceeds 4500 mm.
        ("a02yyuw", "level_mm") => (0, 4500),
        // INA219: bus input 0-26 V (datasheet absolute rating), shunt ±320 mV at PGA /8.
        ("ina219", "voltage_mv") => (0, 26_000),
        // PZEM-004T v3: 80-260 V, 0-100 A: at most 26 kW.
        ("pzem", "power_w") => (0, 26_000),
        ("pzem", "voltage_mv") => (0, 260_000),
        _ => (null, null),
    };

    public static bool IsPossible(GaugeValue gauge)
    {
        var (qMin, qMax) = QuantityRange(gauge.Quantity);
        var (sMin, sMax) = SensorRange(gauge.Sensor, gauge.Quantity);
        long? min = Max(qMin, sMin), max = Min(qMax, sMax);
        return (min is null || gauge.Min >= min) && (max is null || gauge.Max <= max);
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);
    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
