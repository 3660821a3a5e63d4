using Commons.Metering.Gateway.Domain;
using System.Globalization;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Sinks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Http;

/// <summary>POST /api/v1/influx/rebuild?from=ISO&amp;to=ISO: queues the ledger's readings with device time
/// in [from, to) for InfluxDB again (Sinks/Sqlite/LedgerReplay.cs); the sink delivers them behind what it
/// already has. Technicians (and loopback callers while no account exists). Answers when every line is
/// queued, with how many; /metrics (metering_sink_outbox_depth) shows the delivery.</summary>
internal static class InfluxRebuildApi
{
    public static IEndpointRouteBuilder MapInfluxRebuildApi(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/v1/influx/rebuild", RebuildAsync).RequireAuthorization(Access.TechnicianOrSetup).WithTags("influx");
        return app;
    }

    private static async Task<Results<Ok<RebuildJson>, ProblemHttpResult>> RebuildAsync(HttpRequest request, IOptions<GatewayOptions> options, ISinkOutbox outbox, ILoggerFactory logs, IMeterHouseholds households)
    {
        var o = options.Value;
        if (!o.Influx.SinkConfigured)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "No InfluxDB configured",
                detail: "Metering:Influx:Kind is None: there is no time-series database to rebuild (Sinks/README.md).");
        if (!TryTime(request.Query["from"], out var from) || !TryTime(request.Query["to"], out var to) || to <= from)
            return TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad range",
                detail: "'from' and 'to' must be ISO 8601 times with from < to, e.g. ?from=2026-01-01T00:00:00Z&to=2026-02-01T00:00:00Z (device time, to exclusive).");
        var lines = await Task.Run(() => outbox.RequeueFromLedger(from.ToUnixTimeMilliseconds(), to.ToUnixTimeMilliseconds(), households, request.HttpContext.RequestAborted));
        logs.CreateLogger("Commons.Metering.Gateway.Sinks.InfluxRebuild").LogInformation("InfluxDB rebuild from the ledger, {From:O} to {To:O}: {Lines} lines queued by {Actor}", from, to, lines, request.HttpContext.User.Actor());
        return TypedResults.Ok(new RebuildJson(from.ToString("O", CultureInfo.InvariantCulture), to.ToString("O", CultureInfo.InvariantCulture), lines));
    }

    private static bool TryTime(string? text, out DateTimeOffset time) =>
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out time);
}

/// <summary>The range queued again and how many line-protocol lines it made.</summary>
internal sealed record RebuildJson(string From, string To, long Lines);
