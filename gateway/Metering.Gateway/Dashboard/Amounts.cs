using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>Base units (mL, Wh, g) as people say them: litres, kilowatt-hours and kilograms from a
/// thousand, cubic metres, megawatt-hours and tonnes from ten thousand of those. The same rule as
/// <c>M.fmt</c> in assets/core.js, so a summary and a page say the same.</summary>
internal static class Amounts
{
    /// <summary>The larger unit takes over from this many of the smaller one ("1,500 L", "12 m³").</summary>
    public const long SecondStepFrom = 10_000;

    public static string Human(long amount, Resource resource)
    {
        var (small, middle, large) = resource switch
        {
            Resource.Water => ("mL", "L", "m³"),
            Resource.Energy => ("Wh", "kWh", "MWh"),
            _ => ("g", "kg", "t"),
        };
        var abs = Math.Abs((double)amount);
        if (abs >= SecondStepFrom * 1_000d) return Number(amount / 1_000_000d) + " " + large;
        if (abs >= 1_000) return Number(amount / 1_000d) + " " + middle;
        return Number(amount) + " " + small;
    }

    private static string Number(double v) => v.ToString("#,0.#", CultureInfo.InvariantCulture);
}
