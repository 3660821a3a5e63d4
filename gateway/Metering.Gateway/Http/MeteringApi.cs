using System.Globalization;
using System.Text.Json;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>The HTTP API: /healthz, /metrics and /api/v1/meters. Usage has hour-bucket resolution:
/// usage is booked in the hour of the reading's device time, and a query sums the buckets whose start
/// lies in [from rounded down to the hour, to).</summary>
internal static class MeteringApi
{
    public static IEndpointRouteBuilder MapMeteringApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", (LedgerWriter ledger, BrokerHealth broker) =>
        {
            var ok = ledger.IsRunning && broker.Ready;
            return Results.Json(new { status = ok ? "ok" : "unavailable", ledger = ledger.IsRunning ? "running" : "stopped", broker = broker.State },
                statusCode: ok ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable);
        });
        app.MapGet("/metrics", async (HttpContext http, MetricsExporter exporter) =>
        {
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await exporter.WriteAsync(http.Response.Body, http.RequestAborted);
        });
        var meters = app.MapGroup("/api/v1/meters");
        meters.MapGet("/", (IStateStore store) => Results.Json(store.ListMeters().Select(ToJson)));
        meters.MapPost("/", RegisterAsync);
        meters.MapGet("/{meterId}/usage", Usage);
        return app;
    }

    private static object ToJson(MeterView m) => new
    {
        id = m.Meter.Id,
        community = m.Meter.Community,
        resource = m.Meter.Resource.Name(),
        unit = m.Meter.Resource.Unit(),
        lastSeen = Iso(m.LastSeenMs),
        lastSeq = m.LastSeq,
        channels = m.Channels.Select(c => new { name = c.Name, lastSeq = c.LastSeq, register = c.Register }),
        status = m.Status is not { } s ? null : new
        {
            state = s.State, fw = s.Firmware, boot = s.Boot, outbox = s.Outbox, battMv = s.BatteryMv,
            deviceTime = Iso(s.TsMs), lastSeen = Iso(s.ReceivedMs),
        },
    };

    private static async Task<IResult> RegisterAsync(HttpRequest request, LedgerWriter ledger, TimeProvider time)
    {
        string? id, community, resourceName;
        try
        {
            using var doc = await JsonDocument.ParseAsync(request.Body, default, request.HttpContext.RequestAborted);
            if (doc.RootElement.ValueKind != JsonValueKind.Object) return Bad("The body must be a JSON object {\"id\",\"community\",\"resource\"}.");
            id = Str(doc.RootElement, "id");
            community = Str(doc.RootElement, "community");
            resourceName = Str(doc.RootElement, "resource");
        }
        catch (JsonException e)
        {
            return Bad($"The body is not valid JSON: {e.Message}");
        }
        if (!UplinkTopic.IsId(id)) return Bad("'id' must match ^[a-z0-9][a-z0-9_-]{0,47}$ (docs/protocol.md, Topics).");
        if (!UplinkTopic.IsId(community)) return Bad("'community' must match ^[a-z0-9][a-z0-9_-]{0,47}$ (docs/protocol.md, Topics).");
        if (!Resources.TryParse(resourceName, out var resource)) return Bad("'resource' must be one of water, energy, forest.");
        var meter = new MeterInfo(id!, community!, resource);
        var outcome = await ledger.SubmitAsync(new RegisterMeterWrite(meter, time.GetUtcNow().ToUnixTimeMilliseconds()),
            request.HttpContext.RequestAborted);
        var body = new { id = meter.Id, community = meter.Community, resource = resource.Name(), unit = resource.Unit() };
        return outcome.Status switch
        {
            LedgerStatus.Committed => Results.Created($"/api/v1/meters/{meter.Id}", body),
            LedgerStatus.AlreadyRegistered => Results.Ok(body),
            _ => Results.Problem(statusCode: StatusCodes.Status409Conflict, title: "Meter already registered differently",
                detail: $"Meter '{meter.Id}' is registered in community '{outcome.Existing!.Community}' as {outcome.Existing.Resource.Name()}."),
        };
    }

    private static IResult Usage(string meterId, string? from, string? to, MeterRegistry registry, IStateStore store)
    {
        if (!TryParseIso(from, out var fromTime)) return Bad("'from' must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z.");
        if (!TryParseIso(to, out var toTime)) return Bad("'to' must be an ISO 8601 date-time, e.g. 2026-02-01T00:00:00Z.");
        if (toTime <= fromTime) return Bad("'to' must be later than 'from'.");
        if (!registry.TryGet(meterId, out var meter))
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown meter", detail: $"No meter '{meterId}' is registered.");
        var fromHour = UsageRules.HourStartMs(fromTime.ToUnixTimeMilliseconds());
        var channels = store.Usage(meter.Id, fromHour, toTime.ToUnixTimeMilliseconds());
        return Results.Json(new
        {
            meter = meter.Id,
            community = meter.Community,
            resource = meter.Resource.Name(),
            unit = meter.Resource.Unit(),
            from = fromTime.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            to = toTime.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            resolution = "PT1H",
            bucketsFrom = Iso(fromHour),
            channels = channels.Select(c => new { name = c.Channel, usage = c.Usage }),
            total = channels.Sum(c => c.Usage),
        });
    }

    private static bool TryParseIso(string? s, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value) && s!.Length >= 10 && s[4] == '-';

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static string? Iso(long? ms) =>
        ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v).ToString("O", CultureInfo.InvariantCulture) : null;

    private static IResult Bad(string detail) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad request", detail: detail);
}
