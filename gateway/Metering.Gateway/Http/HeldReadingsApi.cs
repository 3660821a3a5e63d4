using Commons.Metering.Gateway.Web;
using Commons.Metering.Gateway.Domain;
using System.Globalization;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>Readings the ledger holds as implausible (Ledger/Plausibility.cs, Ledger/HeldReadings.cs):
/// technicians and administrators list them; a technician, who can go and look at the meter, accepts
/// one (its rise counts) or rejects it (never counted), saying why. The decision is applied by the
/// ledger writer, recorded in the ledger with who and why (held_decisions), and written to the policy
/// audit chain when a policy is in force.</summary>
internal static class HeldReadingsApi
{
    /// <summary>A reason is a sentence or two, e.g. "meter swapped, new register read on site".</summary>
    public const int MaxReasonChars = 500;

    public static IEndpointRouteBuilder MapHeldReadingsApi(this IEndpointRouteBuilder app)
    {
        var held = app.MapGroup("/api/v1/readings/held").WithTags("readings");
        held.MapGet("/", (IStateStore store) => TypedResults.Ok(store.HeldReadings().Select(ToJson)))
            .RequireAuthorization(Access.TechnicianOrAdministrator)
            .WithSummary("Technician, administrator: readings held as implausible that await a decision, oldest first.");
        // Channel names are path segments: clients escape anything else (%2F), which routing leaves escaped.
        held.MapPost("/{meter}/{channel}/{seq:long}/accept", (string meter, string channel, long seq, HttpContext http, LedgerWriter ledger,
                MeterRegistry registry, TimeProvider time) => DecideAsync(meter, channel, seq, HeldDecision.Accept, http, ledger, registry, time))
            .RequireAuthorization(Access.Technician)
            .WithSummary("Technician: accept a held reading {reason}: its rise counts as use, in the hour of the reading.");
        held.MapPost("/{meter}/{channel}/{seq:long}/reject", (string meter, string channel, long seq, HttpContext http, LedgerWriter ledger,
                MeterRegistry registry, TimeProvider time) => DecideAsync(meter, channel, seq, HeldDecision.Reject, http, ledger, registry, time))
            .RequireAuthorization(Access.Technician)
            .WithSummary("Technician: reject a held reading {reason}: kept as evidence, never counted.");
        return app;
    }

    private static HeldReadingJson ToJson(HeldReadingView h) => new(
        h.Meter, h.Community, h.Resource, Resources.TryParse(h.Resource, out var r) ? r.Unit() : null, h.Channel, h.Seq, h.Register,
        Iso(h.TsMs), Iso(h.ReceivedMs), new HeldBaselineJson(h.BaselineSeq, h.BaselineRegister, Iso(h.BaselineTsMs)), h.Rise);

    private static async Task<Results<Ok<HeldDecisionJson>, ProblemHttpResult>> DecideAsync(string meter, string channel, long seq, HeldDecision decision, HttpContext http,
        LedgerWriter ledger, MeterRegistry registry, TimeProvider time)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        var reason = body.Str("reason")?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > MaxReasonChars)
            return Problems.Bad($"'reason' must say what was found, in at most {MaxReasonChars} characters (it is audited).");
        channel = Uri.UnescapeDataString(channel);
        if (!registry.TryGet(meter, out var info)) return Problems.NotFound("Unknown meter", $"No meter '{meter}' is registered.");
        var actor = http.User.Actor();
        var outcome = await ledger.SubmitAsync(
            new HeldDecisionWrite(info, seq, channel, decision, actor, reason, time.GetUtcNow().ToUnixTimeMilliseconds()), http.RequestAborted);
        if (outcome.Status == LedgerStatus.Refused)
            return Problems.Of(StatusCodes.Status409Conflict, "Not held", outcome.Refusal ?? "The reading is not held.");
        var usage = outcome.Accepted?.UsageBase ?? 0;
        var kind = decision == HeldDecision.Accept ? "reading.accepted" : "reading.rejected";
        if (CommonsApi.Runtime(http) is { HasPolicy: true } runtime)
            runtime.RecordHeldDecision(actor, kind, new { meter, channel, seq, usage, unit = info.Resource.Unit(), reason });
        return TypedResults.Ok(new HeldDecisionJson(kind, meter, channel, seq, usage, info.Resource.Unit(), actor));
    }

    private static string? Iso(long ms) =>
        ms <= 0 ? null : DateTimeOffset.FromUnixTimeMilliseconds(ms).ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture);
}

/// <summary>A held reading: its register and the baseline it jumped from, in the base unit <c>unit</c>
/// (null for a resource the gateway does not know); <c>rise</c> = register - baseline register.</summary>
internal sealed record HeldReadingJson(
    string Meter, string Community, string Resource, string? Unit, string Channel, long Seq, long Register, string? DeviceTime, string? Received,
    HeldBaselineJson Baseline, long Rise);

internal sealed record HeldBaselineJson(long Seq, long Register, string? DeviceTime);

/// <summary>A decision taken: <c>decision</c> reading.accepted or reading.rejected; <c>usage</c> the rise
/// that now counts (0 when rejected), in <c>unit</c>.</summary>
internal sealed record HeldDecisionJson(string Decision, string Meter, string Channel, long Seq, long Usage, string Unit, string By);
