using System.Globalization;

namespace Commons.Metering.Bench;

/// <summary>Reads single values from the gateway's /metrics (Prometheus text format).</summary>
internal static class Prometheus
{
    /// <summary>Sum of every sample of <paramref name="name"/> (all label sets); 0 when absent.</summary>
    public static double Sum(string metricsText, string name)
    {
        double sum = 0;
        foreach (var line in metricsText.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            if (!line.StartsWith(name, StringComparison.Ordinal)) continue;
            var rest = line.AsSpan(name.Length);
            if (rest.Length == 0 || (rest[0] != ' ' && rest[0] != '{')) continue;
            var value = line[(line.LastIndexOf(' ') + 1)..];
            sum += double.Parse(value, NumberStyles.Float, CultureInfo.InvariantCulture);
        }
        return sum;
    }
}
