using System.Globalization;
using System.Text.Json.Serialization;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
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

    private static Ok<StageGaugesJson> Get(PolicyStore policy, IGaugeReader reader, TimeProvider time)
    {
        if (!policy.HasPolicy) return TypedResults.Ok(new StageGaugesJson(null, null, []));
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var from = now - WindowHours * 3_600_000L;
        var signals = policy.Current.Resources.Values
            .SelectMany(r => r.Stages.Where(s => s.Trigger is not null).GroupBy(s => (s.Trigger!.Meter, s.Trigger.Channel))
                .Select(g => new StageSignalJson(
                    r.Resource.Name(),
                    g.Key.Meter,
                    g.Key.Channel,
                    r.GaugeRules?.StaleAfterMinutes,
                    g.Select(s => new StageThresholdJson(
                        s.Stage,
                        s.Trigger!.Direction == TriggerDirection.Below ? "below" : "above",
                        s.Trigger.Threshold,
                        s.Trigger.Hysteresis)),
                    reader.GaugeSeries(g.Key.Meter, g.Key.Channel, from, now + 1, GaugeApi.MaxSeriesPoints)
                        .Where(p => p.Plausible)
                        .Select(p => new StagePointJson(Iso(p.TsMs), p.Last, p.Min, p.Max)))))
            .ToList();
        return TypedResults.Ok(new StageGaugesJson(Iso(from), Iso(now), signals));
    }

    private static string Iso(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("O", CultureInfo.InvariantCulture);
}

/// <summary>Without a policy only <c>signals</c> (empty) is sent: <c>from</c> and <c>to</c> are left out.</summary>
internal sealed record StageGaugesJson(
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? From,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? To,
    IEnumerable<StageSignalJson> Signals);

/// <summary>A gauge that drives a resource's stages, with the thresholds (in the gauge's unit) and its
/// plausible summaries of the window.</summary>
internal sealed record StageSignalJson(
    string Resource, string Meter, string Gauge, int? StaleAfterMinutes, IEnumerable<StageThresholdJson> Thresholds, IEnumerable<StagePointJson> Points);

internal sealed record StageThresholdJson(int Stage, string Direction, long Threshold, long Hysteresis);

internal sealed record StagePointJson(string T, long Last, long Min, long Max);
