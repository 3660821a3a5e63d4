using System.Globalization;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>Gauges (docs/protocol.md, gauge): GET /api/v1/meters/{meter}/gauges (the newest summary
/// of each gauge) and /api/v1/meters/{meter}/gauges/{gauge}?from=&amp;to= (a series). Gauges measure
/// shared infrastructure (a reservoir, a well, a mini-grid's battery): public aggregates, readable
/// by anyone signed in.</summary>
internal static class GaugeApi
{
    /// <summary>At most a week of one-minute summaries per series request.</summary>
    public const int MaxSeriesPoints = 10_080;

    public static IEndpointRouteBuilder MapGaugeApi(this IEndpointRouteBuilder app)
    {
        var gauges = app.MapGroup("/api/v1/meters/{meterId}/gauges").WithTags("gauges");
        gauges.MapGet("/", Latest).RequireAuthorization(Access.SignedInOrSetup);
        gauges.MapGet("/{gauge}", Series).RequireAuthorization(Access.SignedInOrSetup);
        return app;
    }

    private static Results<Ok<LatestGaugesJson>, ProblemHttpResult> Latest(string meterId, MeterRegistry registry, IGaugeReader reader)
    {
        if (!registry.TryGet(meterId, out var meter)) return UnknownMeter(meterId);
        return TypedResults.Ok(new LatestGaugesJson(meter.Id, meter.Community, reader.LatestGauges(meter.Id).Select(ToJson)));
    }

    private static Results<Ok<GaugeSeriesJson>, ProblemHttpResult> Series(string meterId, string gauge, string? from, string? to, MeterRegistry registry, IGaugeReader reader)
    {
        if (!registry.TryGet(meterId, out var meter)) return UnknownMeter(meterId);
        if (!TryParseIso(from, out var fromTime)) return Problems.Bad("'from' must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z.");
        if (!TryParseIso(to, out var toTime)) return Problems.Bad("'to' must be an ISO 8601 date-time, e.g. 2026-02-01T00:00:00Z.");
        if (toTime <= fromTime) return Problems.Bad("'to' must be later than 'from'.");
        var points = reader.GaugeSeries(meter.Id, gauge, fromTime.ToUnixTimeMilliseconds(), toTime.ToUnixTimeMilliseconds(), MaxSeriesPoints + 1);
        return TypedResults.Ok(new GaugeSeriesJson(meter.Id, gauge, points.Count > MaxSeriesPoints, points.Take(MaxSeriesPoints).Select(ToJson)));
    }

    private static GaugeJson ToJson(GaugeSample g) =>
        new(g.Gauge, g.Quantity, g.Sensor, g.Seq, Iso(g.TsMs), g.Last, g.Min, g.Max, g.Mean, g.Samples, g.Flag);

    private static ProblemHttpResult UnknownMeter(string meterId) => Problems.NotFound("Unknown meter", $"No meter '{meterId}' is registered.");

    private static bool TryParseIso(string? s, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value) && s!.Length >= 10 && s[4] == '-';

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O", CultureInfo.InvariantCulture);
}

internal sealed record LatestGaugesJson(string Meter, string Community, IEnumerable<GaugeJson> Gauges);

/// <summary><c>truncated</c>: more than <see cref="GaugeApi.MaxSeriesPoints"/> summaries lay in the range.</summary>
internal sealed record GaugeSeriesJson(string Meter, string Gauge, bool Truncated, IEnumerable<GaugeJson> Points);

/// <summary>One gauge summary; values in the gauge's quantity (the name says its unit, e.g. level_mm);
/// <c>flag</c>: gauge_impossible for a value the sensor cannot read.</summary>
internal sealed record GaugeJson(
    string Name, string Quantity, string Sensor, long Seq, string DeviceTime, long Last, long Min, long Max, long Mean, long Samples, string? Flag);
