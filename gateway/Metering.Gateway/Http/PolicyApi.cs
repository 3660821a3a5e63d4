using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>Read-only view of the policy in force (Metering:Policy:File): the policy itself and each
/// household's allowance in the current period, with what the ledger says it used.</summary>
internal static class PolicyApi
{
    public static IEndpointRouteBuilder MapPolicyApi(this IEndpointRouteBuilder app)
    {
        // The rules are public to every account; an allowance is household data (its own member only).
        app.MapGet("/api/v1/policy", (PolicyStore store) => store.HasPolicy ? Results.Json(ToJson(store.Current)) : NoPolicy())
            .RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("policy");
        app.MapGet("/api/v1/households/{id}/allowance", Allowance).RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("policy");
        return app;
    }

    private static object ToJson(CommunityPolicy p) => new
    {
        community = p.Community,
        version = p.Version,
        source = p.SourceFile,
        utcOffset = Offset(p.UtcOffset),
        households = p.Households.Select(h => new
        {
            id = h.Id,
            persons = h.Persons,
            meters = h.Meters.Select(m => new { id = m.Id, resource = m.Resource.Name(), channels = m.Channels.Select(c => c.Id) }),
        }),
        resources = p.Resources.OrderBy(r => r.Key).ToDictionary(r => r.Key.Name(), r => new
        {
            period = r.Value.Period.ToString().ToLowerInvariant(),
            unit = r.Key.Unit(),
            cap = r.Value.CapPerPeriod,
            floorPerPerson = r.Value.FloorPerPersonPerPeriod,
            sharing = r.Value.Sharing == SharingRule.PerPerson ? "per_person" : "per_household",
            ceiling = r.Value.CeilingPerHouseholdPerPeriod,
        }),
    };

    private static IResult Allowance(string id, string? resource, PolicyStore store, IStateStore ledger, TimeProvider time, HttpContext http)
    {
        if (!Auth.Access.MayReadHousehold(http, id)) return AccessProblems.Forbidden(http);
        if (!store.HasPolicy) return NoPolicy();
        if (!Resources.TryParse(resource, out var r)) return Bad("'resource' must be one of water, energy, forest.");
        var policy = store.Current;
        var household = policy.Households.FirstOrDefault(h => h.Id == id);
        if (household is null)
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Unknown household",
                detail: $"The policy of community '{policy.Community}' has no household '{id}'.");
        if (!policy.Resources.TryGetValue(r, out var rp))
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "Resource not in the policy",
                detail: $"The policy of community '{policy.Community}' has no section for {r.Name()}.");
        var now = time.GetUtcNow();
        var from = PolicyPeriods.StartOf(rp.Period, now, policy.UtcOffset);
        var to = PolicyPeriods.EndOf(rp.Period, now, policy.UtcOffset);
        var used = HouseholdUsage.UsedInPeriod(household, r, ledger, from, to);
        // Under a region the runtime computes allowances under the stricter delegated cap (Region/README.md): show those.
        var inForce = http.RequestServices.GetService(typeof(Commons.CommonsRuntime)) is Commons.CommonsRuntime runtime ? runtime.UnderDelegatedCapsOf(policy) : policy;
        var status = AllowanceCalculator.Compute(inForce, r).Status(household.Id, used);
        return Results.Json(new
        {
            household = household.Id,
            resource = r.Name(),
            unit = r.Unit(),
            period = rp.Period.ToString().ToLowerInvariant(),
            from = from.ToString("O", CultureInfo.InvariantCulture),
            to = to.ToString("O", CultureInfo.InvariantCulture),
            floor = status.FloorAmount,
            allowance = status.Allowance,
            used = status.Used,
            remaining = status.Remaining,
            floorRemaining = status.FloorRemaining,
            underFloor = status.UnderFloor,
            exhausted = status.Exhausted,
        });
    }

    private static string Offset(TimeSpan o) =>
        (o < TimeSpan.Zero ? "-" : "+") + o.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    private static IResult NoPolicy() => Problems.NoPolicy();

    private static IResult Bad(string detail) => Problems.Bad(detail);
}
