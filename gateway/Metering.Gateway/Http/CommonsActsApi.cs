using System.Globalization;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>The acts people take: council proposes and approves policy and declares or renews an
/// emergency; a technician resets a tripped breaker. The runtime audits each with the signed-in
/// account's name; a refusal (no quorum, invalid YAML, breaker not tripped) changes nothing.</summary>
internal static class CommonsActsApi
{
    /// <summary>An emergency longer than a year is not an emergency; the policy's own maximum is
    /// enforced by the runtime (emergency.max_duration_hours).</summary>
    public const double MaxEmergencyHours = 8760;

    public static IEndpointRouteBuilder MapCommonsActsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("acts");
        // The casts keep these handlers typed: a method group taking only HttpContext would otherwise bind
        // to the RequestDelegate overload, which drops the result (and its OpenAPI description).
        api.MapPost("/proposals", (Func<HttpContext, Task<Results<Ok<ActJson>, ProblemHttpResult>>>)ProposeAsync).RequireAuthorization(Access.Council)
            .WithSummary("Council: propose a new policy {yaml, effectiveAt?}; the proposer's approval counts as one.");
        api.MapPost("/proposals/{id}/approve", Results<Ok<ActJson>, ProblemHttpResult> (string id, HttpContext http) => Act(http, r =>
            r.Proposals().Any(p => p.Id == id) ? r.Approve(http.User.Actor(), id) : null, $"No proposal '{id}'."))
            .RequireAuthorization(Access.Council).WithSummary("Council: approve a pending proposal.");
        api.MapPost("/emergency", (Func<HttpContext, Task<Results<Ok<ActJson>, ProblemHttpResult>>>)DeclareAsync).RequireAuthorization(Access.Council)
            .WithSummary("Council: sign a declaration of emergency {reason, hours}; declared once k members signed.");
        api.MapPost("/emergency/renew", (Func<HttpContext, Task<Results<Ok<ActJson>, ProblemHttpResult>>>)RenewAsync).RequireAuthorization(Access.Council)
            .WithSummary("Council: sign a renewal {hours}; needs a fresh quorum.");
        // Breaker ids hold slashes (meter/channel): clients escape them as %2F, which routing leaves escaped.
        api.MapPost("/breakers/{id}/reset", Results<Ok<ActJson>, ProblemHttpResult> (string id, HttpContext http) => Act(http, r =>
            r.Breakers().Any(b => b.Id == Uri.UnescapeDataString(id)) ? r.ResetBreaker(http.User.Actor(), Uri.UnescapeDataString(id)) : null,
            $"No breaker '{Uri.UnescapeDataString(id)}'."))
            .RequireAuthorization(Access.Technician).WithSummary("Technician: close a tripped safety breaker after inspection.");
        return app;
    }

    private static async Task<Results<Ok<ActJson>, ProblemHttpResult>> ProposeAsync(HttpContext http)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.PolicyBytes);
        if (problem is not null) return problem;
        var yaml = body.Str("yaml");
        if (string.IsNullOrWhiteSpace(yaml)) return Problems.Bad("'yaml' must hold the whole proposed policy file.");
        var effectiveAt = DateTimeOffset.UtcNow;
        if (body.Str("effectiveAt") is { } at && !DateTimeOffset.TryParse(at, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out effectiveAt))
            return Problems.Bad("'effectiveAt' must be an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z.");
        return Act(http, r => r.Propose(http.User.Actor(), yaml, effectiveAt), null);
    }

    private static async Task<Results<Ok<ActJson>, ProblemHttpResult>> DeclareAsync(HttpContext http)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        var reason = body.Str("reason")?.Trim();
        if (string.IsNullOrEmpty(reason) || reason.Length > 500) return Problems.Bad("'reason' must say why, in at most 500 characters.");
        if (Hours(body) is not { } hours) return BadHours();
        return Act(http, r => r.DeclareEmergency(http.User.Actor(), reason, hours), null);
    }

    private static async Task<Results<Ok<ActJson>, ProblemHttpResult>> RenewAsync(HttpContext http)
    {
        var (body, problem) = await JsonBody.ReadAsync(http.Request, JsonBody.SmallBytes);
        if (problem is not null) return problem;
        if (Hours(body) is not { } hours) return BadHours();
        return Act(http, r => r.RenewEmergency(http.User.Actor(), hours), null);
    }

    private static TimeSpan? Hours(System.Text.Json.JsonElement body) =>
        body.Number("hours") is { } h && h > 0 && h <= MaxEmergencyHours ? TimeSpan.FromHours(h) : null;

    private static ProblemHttpResult BadHours() => Problems.Bad($"'hours' must be a number above 0 and at most {MaxEmergencyHours}.");

    /// <summary>Runs an act: 404 when <paramref name="act"/> finds nothing to act on (returns null),
    /// 400 with the errors of an invalid policy, 409 for any other refusal, 200 when accepted.</summary>
    private static Results<Ok<ActJson>, ProblemHttpResult> Act(HttpContext http, Func<ICommonsRuntime, ActResult?> act, string? notFound)
    {
        if (CommonsApi.Runtime(http) is not { HasPolicy: true } runtime) return Problems.NoPolicy();
        var result = act(runtime);
        if (result is null) return Problems.NotFound("Unknown id", notFound ?? "Nothing to act on.");
        if (result.Accepted) return TypedResults.Ok(new ActJson(true, result.Id, http.User.Actor()));
        if (result.Errors is { Count: > 0 } errors) return Problems.Of(StatusCodes.Status400BadRequest, "Refused", result.Refusal ?? "Invalid.", errors);
        return Problems.Of(StatusCodes.Status409Conflict, "Refused", result.Refusal ?? "The runtime refused.");
    }
}

/// <summary>An accepted act: the id it made or acted on (a proposal's, a breaker's), and who.</summary>
internal sealed record ActJson(bool Accepted, string? Id, string By);
