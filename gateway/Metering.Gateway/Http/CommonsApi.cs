using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Dashboard;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Gateway.Http;

/// <summary>The commons as people see it: overview, household, devices, breakers, commands,
/// proposals and audit; the reads come from <see cref="ICommonsRuntime"/> when a policy runs and from
/// the ledger alone when none is configured (metering only). Acts live in <see cref="CommonsActsApi"/>.</summary>
internal static class CommonsApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapCommonsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("commons");
        api.MapGet("/overview", Results<Ok<OverviewJson>, Ok<MeteringOverviewJson>> (HttpContext http, DashboardQueries q) =>
            Runtime(http) is { HasPolicy: true } runtime
                ? TypedResults.Ok(Views.Overview(runtime.Overview(), q.DeviceCounts()))
                : TypedResults.Ok(q.MeteringOverview()))
            .AddOpenApiOperationTransformer(OneOfOverviews).RequireAuthorization(Access.SignedIn).WithSummary("Public aggregates: per resource use against the cap, stage and why, emergency, open breakers, devices offline.");
        api.MapGet("/households/{id}", Results<Ok<HouseholdJson>, ProblemHttpResult> (string id, HttpContext http, DashboardQueries q, Policy.PolicyStore store, TimeProvider time) =>
        {
            if (!Access.MayReadHousehold(http, id)) return AccessProblems.Forbidden(http);
            var runtime = Runtime(http);
            if (runtime is not { HasPolicy: true }) return Problems.NoPolicy();
            var view = runtime.Household(id);
            if (view is null) return Problems.NotFound("Unknown household", $"The policy has no household '{id}'.");
            return TypedResults.Ok(Views.Household(view, store.Current, time.GetUtcNow(), q.History(id), q.Devices(view.Meters)));
        }).RequireAuthorization(Access.SignedIn).WithSummary("One household (its own member only): use against allowance and floor, sanctions, curtailed minutes, hourly and daily history.");
        api.MapGet("/devices", (DashboardQueries q) => TypedResults.Ok(q.Devices(null)))
            .RequireAuthorization(Access.Operations).WithSummary("Every device: online or offline, last seen, firmware, outbox depth, battery (no usage).");
        api.MapGet("/breakers", Results<Ok<IEnumerable<BreakerJson>>, ProblemHttpResult> (HttpContext http) =>
                Runtime(http) is { HasPolicy: true } r ? TypedResults.Ok(r.Breakers().Select(Views.Breaker)) : Problems.NoPolicy())
            .RequireAuthorization(Access.Operations).WithSummary("Circuit breakers: state, reason, since when, whether a technician must reset it.");
        api.MapGet("/commands", Results<Ok<IEnumerable<CommandJson>>, ProblemHttpResult> (int? limit, HttpContext http, Ledger.MeterRegistry registry) =>
        {
            if (Limit(limit) is not { } n) return BadLimit();
            return Runtime(http) is { HasPolicy: true } r
                ? TypedResults.Ok(r.Commands(n).Select(c => Views.Command(c, registry.TryGet(c.Meter, out var m) ? m.Resource : null)))
                : Problems.NoPolicy();
        }).RequireAuthorization(Access.Operations).WithSummary("Commands sent to devices, newest first, with acknowledgement and confirmation.");
        api.MapGet("/proposals", Results<Ok<IEnumerable<ProposalJson>>, ProblemHttpResult> (HttpContext http, Policy.PolicyStore store) =>
        {
            if (Runtime(http) is not { HasPolicy: true } r) return Problems.NoPolicy();
            var yaml = r.PolicyYaml();
            return TypedResults.Ok(r.Proposals().Select(p => Views.Proposal(p, store.Current, yaml)));
        }).RequireAuthorization(Access.SignedIn)
            .WithSummary("Policy proposals, newest first: the whole file, approvals, and for pending and refused ones a plain summary and a line diff against the policy in force; refused ones with why.");
        api.MapGet("/policy.yaml", Results<ContentHttpResult, ProblemHttpResult> (HttpContext http, Policy.PolicyStore store) =>
        {
            if (Runtime(http) is not { HasPolicy: true } r) return Problems.NoPolicy();
            if (r.PolicyYaml() is not { } yaml) return Problems.NotFound("Policy file unreadable", "The file of the policy in force can no longer be read.");
            var p = store.Current;
            http.Response.Headers.ContentDisposition = $"attachment; filename=\"{p.Community}-policy-v{p.Version}.yaml\"";
            return TypedResults.Text(yaml, "application/yaml; charset=utf-8");
        }).Produces<string>(StatusCodes.Status200OK, "application/yaml").RequireAuthorization(Access.SignedIn).WithSummary("The policy file in force, to download and start a proposal from.");
        api.MapGet("/audit", Results<Ok<AuditLogJson>, ProblemHttpResult> (int? limit, HttpContext http) =>
        {
            if (Limit(limit) is not { } n) return BadLimit();
            if (Runtime(http) is not { HasPolicy: true } r) return Problems.NoPolicy();
            var v = r.VerifyAudit();
            var records = r.Audit(n);
            if (http.User.RoleOf() == Role.Member)
                records = AuditPrivacy.ForMember(records, http.User.HouseholdOf(), http.RequestServices.GetRequiredService<Policy.PolicyStore>().Current);
            return TypedResults.Ok(new AuditLogJson(Views.Verification(v), records.Select(Views.Audit)));
        }).RequireAuthorization(Access.SignedIn).WithSummary("The hash-chained audit log, newest first, and whether its chain verifies (members: other households' payloads withheld).");
        return app;
    }

    /// <summary>The overview's 200 is one of two shapes (with a policy or metering only); the generator
    /// would describe only the last type of the Results, so the document names both.</summary>
    private static async Task OneOfOverviews(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancel)
    {
        var withPolicy = await context.GetOrCreateSchemaAsync(typeof(OverviewJson), null, cancel);
        var meteringOnly = await context.GetOrCreateSchemaAsync(typeof(MeteringOverviewJson), null, cancel);
        if (operation.Responses is { } responses && responses.TryGetValue("200", out var ok) &&
            ok.Content is { } content && content.TryGetValue("application/json", out var json))
            json.Schema = new OpenApiSchema { OneOf = [withPolicy, meteringOnly] };
    }

    internal static ICommonsRuntime? Runtime(HttpContext http) => http.RequestServices.GetService<ICommonsRuntime>();

    internal static int? Limit(int? limit) => limit switch { null => DefaultLimit, >= 1 and <= MaxLimit => limit, _ => null };

    internal static ProblemHttpResult BadLimit() => Problems.Bad($"'limit' must be between 1 and {MaxLimit}.");
}
