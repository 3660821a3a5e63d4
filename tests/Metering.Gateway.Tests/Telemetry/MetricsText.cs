using System.Globalization;
using Commons.Metering.Gateway.Telemetry;

namespace Commons.Metering.Gateway.Tests.Telemetry;

/// <summary>Reads values the way a scraper does: from the Prometheus text of the gateway's exporter.</summary>
internal static class MetricsText
{
    /// <summary>The value of one series as /metrics writes it, e.g. <c>metering_rejected_total{reason="duplicate"}</c>.</summary>
    public static double Value(string text, string series)
    {
        var line = text.Split('\n').SingleOrDefault(l => !l.StartsWith('#') && l.Length > series.Length && l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"no series {series} on /metrics:\n{text}");
        return double.Parse(line[(series.Length + 1)..], CultureInfo.InvariantCulture);
    }

    public static async Task<double> ValueAsync(this MeterExporter metrics, string series) => Value(await metrics.ToTextAsync(), series);

    public static Task<double> RejectedAsync(this MeterExporter metrics, string reason) =>
        metrics.ValueAsync($"metering_rejected_total{{reason=\"{reason}\"}}");

    public static Task<double> FlaggedAsync(this MeterExporter metrics, string flag) =>
        metrics.ValueAsync($"metering_flagged_total{{flag=\"{flag}\"}}");

    public static Task<double> ReadingsIngestedAsync(this MeterExporter metrics) => metrics.ValueAsync("metering_readings_ingested_total");
}
