using Commons.Metering.Gateway.Web;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Dashboard;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>The charts' data: a household's use against its allowance (its own member) and the
/// community's against the sustainable cap (a public aggregate), over a range of days, with the same
/// range one or more periods earlier (<see cref="UsageSeries"/>).</summary>
internal static class UsageSeriesApi
{
    public static IEndpointRouteBuilder MapUsageSeriesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/v1").WithTags("commons");
        api.MapGet("/households/{id}/series", Results<Ok<UsageSeriesJson>, ProblemHttpResult> (string id, string? resource, string? from, string? to, HttpContext http, PolicyStore store, UsageSeries series) =>
        {
            if (!Access.MayReadHousehold(http, id)) return AccessProblems.Forbidden(http);
            if (!store.HasPolicy) return Problems.NoPolicy();
            var policy = store.Current;
            var household = policy.Households.FirstOrDefault(h => h.Id == id);
            if (household is null) return Problems.NotFound("Unknown household", $"The policy has no household '{id}'.");
            if (Resolve(policy, resource) is not { } rp) return BadResource(resource);
            if (!series.TryRange(from, to, rp.Period, policy.UtcOffset, out var start, out var end, out var error)) return Problems.Bad(error!);
            var allowance = AllowanceCalculator.Compute(policy, rp.Resource).Status(household.Id, 0).Allowance;
            return TypedResults.Ok(series.Build(rp.Resource, rp.Period, policy.UtcOffset, household.Meters, allowance, "allowance", start, end));
        }).RequireAuthorization(Access.SignedIn)
            .WithSummary("A household's use of one resource over a range of days (from, to: yyyy-MM-dd, default the current period) against its allowance, and the range one or more periods earlier.");
        api.MapGet("/community/series", Results<Ok<UsageSeriesJson>, ProblemHttpResult> (string? resource, string? from, string? to, PolicyStore store, UsageSeries series) =>
        {
            if (!store.HasPolicy) return Problems.NoPolicy();
            var policy = store.Current;
            if (Resolve(policy, resource) is not { } rp) return BadResource(resource);
            if (!series.TryRange(from, to, rp.Period, policy.UtcOffset, out var start, out var end, out var error)) return Problems.Bad(error!);
            var meters = policy.Households.SelectMany(h => h.Meters).ToList();
            return TypedResults.Ok(series.Build(rp.Resource, rp.Period, policy.UtcOffset, meters, rp.CapPerPeriod, "cap", start, end));
        }).RequireAuthorization(Access.SignedIn)
            .WithSummary("The community's use of one resource (every household summed) over a range of days against the sustainable cap, and the range one or more periods earlier.");
        return app;
    }

    private static ResourcePolicy? Resolve(CommunityPolicy policy, string? resource) =>
        resource is not null && Resources.TryParse(resource, out var r) && policy.Resources.TryGetValue(r, out var rp) ? rp : null;

    private static ProblemHttpResult BadResource(string? resource) =>
        Problems.Bad($"'resource' must be one of the policy's resources (water, energy, forest), not '{resource}'.");
}
