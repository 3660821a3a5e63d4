using System.Globalization;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Sinks;
using Commons.Metering.Gateway.Telemetry;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Http;

/// <summary>The HTTP API: /healthz, /metrics and /api/v1/meters. Usage has hour-bucket resolution:
/// usage is booked in the hour of the reading's device time, and a query sums the buckets whose start
/// lies in [from rounded down to the hour, to).</summary>
internal static class MeteringApi
{
    public static IEndpointRouteBuilder MapMeteringApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", Results<Ok<HealthJson>, JsonHttpResult<HealthJson>> (LedgerWriter ledger, BrokerHealth broker, Backup.BackupStatus backup) =>
        {
            // broker.Ready is false too while commits fail (BrokerHealth.LedgerProblem, e.g. a full disk).
            var ok = ledger.IsRunning && broker.Ready;
            var ledgerState = !ledger.IsRunning ? "stopped" : broker.LedgerProblem ?? "running";
            // A failed backup degrades but does not fail health: devices are still served (Backup/BackupStatus.cs).
            var status = !ok ? "unavailable" : backup.Degraded ? "degraded" : "ok";
            var health = new HealthJson(status, Hosting.GatewayVersion.Informational, ledgerState, broker.State, backup.Health());
            return ok ? TypedResults.Ok(health) : TypedResults.Json(health, statusCode: StatusCodes.Status503ServiceUnavailable);
        }).AllowAnonymous().Produces<HealthJson>(StatusCodes.Status503ServiceUnavailable)
            .WithSummary("Health: 200 while the ledger runs and the broker is ready (status ok or degraded by a failed backup), 503 otherwise.");
        // The sink and process gauges are read when scraped: asking for them here creates them.
        app.MapGet("/metrics", async (HttpContext http, MeterExporter exporter, SinkMetrics sinks, Hosting.ProcessMetrics process) =>
        {
            http.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await exporter.WriteAsync(http.Response.Body, http.RequestAborted);
        }).AllowAnonymous().Produces<string>(StatusCodes.Status200OK, "text/plain")
            .WithSummary("Prometheus metrics, text exposition format 0.0.4.");
        // Registers are household data and registration is commissioning: technicians only (and
        // loopback callers while no account exists, Auth/Access.cs). Usage: also the meter's own household.
        var meters = app.MapGroup("/api/v1/meters").WithTags("meters");
        meters.MapGet("/", (IStateStore store) => TypedResults.Ok(store.ListMeters().Select(ToJson))).RequireAuthorization(Access.TechnicianOrSetup);
        meters.MapPost("/", RegisterAsync).RequireAuthorization(Access.TechnicianOrSetup);
        meters.MapGet("/{meterId}/usage", Usage).RequireAuthorization(Access.SignedInOrSetup);
        // A reflashed device's sequence is restored from this (tools/Metering.Cli: metering seq restore).
        meters.MapGet("/{meterId}/sequence", Results<Ok<SequenceJson>, ProblemHttpResult> (string meterId, IStateStore store) =>
                store.SequenceHighWater(meterId) is { } highWater
                ? TypedResults.Ok(new SequenceJson(meterId, highWater))
                : Problems.NotFound("Unknown meter", $"No meter '{meterId}' is registered."))
            .RequireAuthorization(Access.TechnicianOrSetup)
            .WithSummary("Technician: the meter's sequence high-water mark in the ledger (newest reading, event or gauge seq; a seq_jump reading excluded).");
        return app;
    }

    private static MeterJson ToJson(MeterView m) => new(
        m.Meter.Id, m.Meter.Community, m.Meter.Resource.Name(), m.Meter.Resource.Unit(), Iso(m.LastSeenMs), m.LastSeq,
        m.Channels.Select(c => new MeterChannelJson(c.Name, c.LastSeq, c.Register)),
        m.Status is not { } s ? null : new MeterStatusJson(s.State, s.Firmware, s.Boot, s.Outbox, s.BatteryMv, Iso(s.TsMs), Iso(s.ReceivedMs)));

    private static async Task<Results<Created<RegisteredMeterJson>, Ok<RegisteredMeterJson>, ProblemHttpResult>> RegisterAsync(HttpRequest request, LedgerWriter ledger, TimeProvider time, ILogger<LedgerWriter> logger)
    {
        var (body, problem) = await JsonBody.ReadAsync(request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        var id = body.Str("id");
        var community = body.Str("community");
        var resourceName = body.Str("resource");
        if (!UplinkTopic.IsId(id)) return Bad("'id' must match ^[a-z0-9][a-z0-9_-]{0,47}$ (docs/protocol.md, Topics).");
        if (!UplinkTopic.IsId(community)) return Bad("'community' must match ^[a-z0-9][a-z0-9_-]{0,47}$ (docs/protocol.md, Topics).");
        if (!Resources.TryParse(resourceName, out var resource)) return Bad("'resource' must be one of water, energy, forest.");
        var meter = new MeterInfo(id!, community!, resource);
        var outcome = await ledger.SubmitAsync(new RegisterMeterWrite(meter, time.GetUtcNow().ToUnixTimeMilliseconds()),
            request.HttpContext.RequestAborted);
        var registered = new RegisteredMeterJson(meter.Id, meter.Community, resource.Name(), resource.Unit());
        if (outcome.Status == LedgerStatus.Committed)
            logger.LogInformation("Meter {Meter} registered in {Community} as {Resource} by {Actor}", meter.Id, meter.Community, resource.Name(), request.HttpContext.User.Actor());
        return outcome.Status switch
        {
            LedgerStatus.Committed => TypedResults.Created($"/api/v1/meters/{meter.Id}", registered),
            LedgerStatus.AlreadyRegistered => TypedResults.Ok(registered),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Meter already registered differently",
                detail: $"Meter '{meter.Id}' is registered in community '{outcome.Existing!.Community}' as {outcome.Existing.Resource.Name()}."),
        };
    }

    private static Results<Ok<UsageJson>, ProblemHttpResult> Usage(string meterId, string? from, string? to, MeterRegistry registry, IStateStore store, HttpContext http, PolicyStore policy)
    {
        if (!MayReadMeter(http, meterId, policy)) return AccessProblems.Forbidden(http);
        if (!TryParseIso(from, out var fromTime)) return Bad("'from' must be an ISO 8601 date-time, e.g. 2026-01-31T00:00:00Z.");
        if (!TryParseIso(to, out var toTime)) return Bad("'to' must be an ISO 8601 date-time, e.g. 2026-02-01T00:00:00Z.");
        if (toTime <= fromTime) return Bad("'to' must be later than 'from'.");
        if (!registry.TryGet(meterId, out var meter))
            return Problems.NotFound("Unknown meter", $"No meter '{meterId}' is registered.");
        var fromHour = UsageRules.HourStartMs(fromTime.ToUnixTimeMilliseconds());
        var channels = store.Usage(meter.Id, fromHour, toTime.ToUnixTimeMilliseconds());
        return TypedResults.Ok(new UsageJson(
            meter.Id,
            meter.Community,
            meter.Resource.Name(),
            meter.Resource.Unit(),
            From: fromTime.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            To: toTime.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture),
            Resolution: "PT1H",
            BucketsFrom: Iso(fromHour)!,
            Channels: channels.Select(c => new ChannelUsageJson(c.Channel, c.Usage)),
            Total: channels.Sum(c => c.Usage)));
    }

    /// <summary>Technicians read any meter; a member only the meters the policy lists for its household.</summary>
    private static bool MayReadMeter(HttpContext http, string meterId, PolicyStore policy) =>
        Access.IsSetupMode(http) || http.User.RoleOf() == Role.Technician ||
        (http.User.RoleOf() == Role.Member && policy.HasPolicy &&
         policy.Current.Households.Any(h => h.Id == http.User.HouseholdOf() && h.Meters.Any(m => m.Id == meterId)));

    private static bool TryParseIso(string? s, out DateTimeOffset value) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value) && s!.Length >= 10 && s[4] == '-';

    private static string? Iso(long? ms) =>
        ms is { } v ? DateTimeOffset.FromUnixTimeMilliseconds(v).ToString("O", CultureInfo.InvariantCulture) : null;

    private static ProblemHttpResult Bad(string detail) => Problems.Bad(detail);
}

/// <summary>GET /healthz. <c>backup</c>: off, scheduled, ok or failed with the last success and error (Backup/BackupStatus.cs).</summary>
internal sealed record HealthJson(string Status, string Version, string Ledger, string Broker, object Backup);

/// <summary>A meter with its registers (base units: mL, Wh, g) and its retained status.</summary>
internal sealed record MeterJson(
    string Id, string Community, string Resource, string Unit, string? LastSeen, long LastSeq, IEnumerable<MeterChannelJson> Channels, MeterStatusJson? Status);

internal sealed record MeterChannelJson(string Name, long LastSeq, long Register);

/// <summary>The device's retained status: firmware, boot count, outbox depth (readings), battery in mV.</summary>
internal sealed record MeterStatusJson(string State, string? Fw, long? Boot, long? Outbox, long? BattMv, string? DeviceTime, string? LastSeen);

internal sealed record RegisteredMeterJson(string Id, string Community, string Resource, string Unit);

/// <summary>Usage per channel in base units, summed over the hour buckets from <c>bucketsFrom</c> to <c>to</c>.</summary>
internal sealed record UsageJson(
    string Meter, string Community, string Resource, string Unit, string From, string To, string Resolution, string BucketsFrom,
    IEnumerable<ChannelUsageJson> Channels, long Total);

internal sealed record ChannelUsageJson(string Name, long Usage);

/// <summary>The newest seq the ledger holds for the meter.</summary>
internal sealed record SequenceJson(string Meter, long HighWater);
