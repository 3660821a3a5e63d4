using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>A command's amounts as people read them and as scripts need them: the detail in human units
/// ("main limit 400 L per day (essential, used 1.2 L)" instead of "limit 400000 per 86400 s"), and
/// every amount raw, as {value, unit} in the meter's base unit, so nothing is lost to rounding.</summary>
internal static class CommandAmounts
{
    private const long Day = 86_400, Hour = 3_600, Minute = 60;

    /// <summary>The human detail, or the runtime's own when the meter's resource is unknown.</summary>
    public static string Detail(CommandView c, Resource? resource)
    {
        if (c.Wire is not { } w || resource is not { } r) return c.Detail;
        return w.Op switch
        {
            "allowance" when w.Limit is { } limit =>
                $"{w.Channel} limit {Amounts.Human(limit, r)} {Per(w.PeriodS)}" +
                (w.UseClass is null && w.Used is null ? "" : $" ({string.Join(", ", new[] { w.UseClass, w.Used is { } u ? "used " + Amounts.Human(u, r) : null }.Where(x => x is not null))})"),
            "safety" => $"{w.Channel} leak after {w.LeakS} s" + (w.BurstPerMin is { } b ? $", burst above {Amounts.Human(b, r)}/min" : ""),
            _ => c.Detail,
        };
    }

    /// <summary>Raw amounts of the command, each {value, unit}; null when it carries none.</summary>
    public static object? Raw(CommandView c, Resource? resource)
    {
        if (c.Wire is not { } w || resource is not { } r) return null;
        var unit = r.Unit();
        object? Amount(long? v) => v is { } x ? new { value = x, unit } : null;
        return w.Op switch
        {
            "allowance" => new { limit = Amount(w.Limit), used = Amount(w.Used), periodS = w.PeriodS },
            "safety" => new { burstPerMinute = Amount(w.BurstPerMin), leakS = w.LeakS },
            _ => null,
        };
    }

    private static string Per(long? seconds) => seconds switch
    {
        null => "",
        Day => "per day",
        7 * Day => "per week",
        Hour => "per hour",
        Minute => "per minute",
        { } s when s % Day == 0 => $"per {s / Day} days",
        { } s => $"per {s} s",
    };
}
