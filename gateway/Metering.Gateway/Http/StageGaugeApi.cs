using System.Globalization;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>GET /api/v1/overview/stage-gauges: for each resource whose stages trigger on a gauge, the
/// gauge's summaries over the last <see cref="WindowHours"/> hours and the stage thresholds it is
/// compared with (the community overview's chart of the reservoir level against the stages). Public
/// aggregates: anyone signed in.</summary>
internal static class StageGaugeApi
{
    public const int WindowHours = 24;

    public static IEndpointRouteBuilder MapStageGaugeApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/overview/stage-gauges", Get).WithTags("gauges").RequireAuthorization(Access.SignedInOrSetup);
        return app;
    }

    private static IResult Get(PolicyStore policy, IGaugeReader reader, TimeProvider time)
    {
        if (!policy.HasPolicy) return Results.Json(new { signals = Array.Empty<object>() });
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var from = now - WindowHours * 3_600_000L;
        var signals = policy.Current.Resources.Values
            .SelectMany(r => r.Stages.Where(s => s.Trigger is not null).GroupBy(s => (s.Trigger!.Meter, s.Trigger.Channel))
                .Select(g => new
                {
                    resource = r.Resource.Name(),
                    meter = g.Key.Meter,
                    gauge = g.Key.Channel,
                    staleAfterMinutes = r.GaugeRules?.StaleAfterMinutes,
                    thresholds = g.Select(s => new
                    {
                        stage = s.Stage,
                        direction = s.Trigger!.Direction == TriggerDirection.Below ? "below" : "above",
                        threshold = s.Trigger.Threshold,
                        hysteresis = s.Trigger.Hysteresis,
                    }),
                    points = reader.GaugeSeries(g.Key.Meter, g.Key.Channel, from, now + 1, GaugeApi.MaxSeriesPoints)
                        .Where(p => p.Plausible)
                        .Select(p => new { t = Iso(p.TsMs), last = p.Last, min = p.Min, max = p.Max }),
                }))
            .ToList();
        return Results.Json(new { from = Iso(from), to = Iso(now), signals });
    }

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O", CultureInfo.InvariantCulture);
}
