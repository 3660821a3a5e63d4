using System.Globalization;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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

    private static IResult Latest(string meterId, MeterRegistry registry, IGaugeReader reader)
    {
        if (!registry.TryGet(meterId, out var meter)) return UnknownMeter(meterId);
        return Results.Json(new { meter = meter.Id, community = meter.Community, gauges = reader.LatestGauges(meter.Id).Select(ToJson) });
    }

    private static IResult Series(string meterId, string gauge, string? from, string? to, MeterRegistry registry, IGaugeReader reader)
    {
        if (!registry.TryGet(meterId, out var meter)) return UnknownMeter(meterId);
        if (!TryParseIso(from, out var fromTime)) return Problems.Bad("'from' must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z.");
        if (!TryParseIso(to, out var toTime)) return Problems.Bad("'to' must be an ISO 8601 date-time, e.g. 2026-02-01T00:00:00Z.");
        if (toTime <= fromTime) return Problems.Bad("'to' must be later than 'from'.");
        var points = reader.GaugeSeries(meter.Id, gauge, fromTime.ToUnixTimeMilliseconds(), toTime.ToUnixTimeMilliseconds(), MaxSeriesPoints + 1);
        return Results.Json(new
        {
            meter = meter.Id,
            gauge,
            truncated = points.Count > MaxSeriesPoints,
            points = points.Take(MaxSeriesPoints).Select(ToJson),
        });
    }

    private static object ToJson(GaugeSample g) => new
    {
        name = g.Gauge, quantity = g.Quantity, sensor = g.Sensor, seq = g.Seq,
        deviceTime = Iso(g.TsMs), last = g.Last, min = g.Min, max = g.Max, mean = g.Mean, samples = g.Samples,
        flag = g.Flag,
    };

    private static IResult UnknownMeter(string meterId) =>
        Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown meter", detail: $"No meter '{meterId}' is registered.");

    private static bool TryParseIso(string? s, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value) && s!.Length >= 10 && s[4] == '-';

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O", CultureInfo.InvariantCulture);
}
