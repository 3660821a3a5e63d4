using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Web;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;

namespace Commons.Metering.Gateway.Http;

/// <summary>Read-only view of the policy in force (Metering:Policy:File): the policy itself and each
/// household's allowance in the current period, with what the ledger says it used.</summary>
internal static class PolicyApi
{
    public static IEndpointRouteBuilder MapPolicyApi(this IEndpointRouteBuilder app)
    {
        // The rules are public to every account; an allowance is household data (its own member only).
        app.MapGet("/api/v1/policy", Results<Ok<PolicyJson>, ProblemHttpResult> (PolicyStore store) => store.HasPolicy ? TypedResults.Ok(ToJson(store.Current)) : NoPolicy())
            .RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("policy");
        app.MapGet("/api/v1/households/{id}/allowance", Allowance).RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("policy");
        return app;
    }

    private static PolicyJson ToJson(CommunityPolicy p) => new(
        p.Community,
        p.Version,
        p.SourceFile,
        Offset(p.UtcOffset),
        p.Households.Select(h => new PolicyHouseholdJson(h.Id, h.Persons,
            h.Meters.Select(m => new PolicyMeterJson(m.Id, m.Resource.Name(), m.Channels.Select(c => c.Id))))),
        p.Resources.OrderBy(r => r.Key).ToDictionary(r => r.Key.Name(), r => new PolicyResourceJson(
            r.Value.Period.ToString().ToLowerInvariant(),
            r.Key.Unit(),
            r.Value.CapPerPeriod,
            r.Value.FloorPerPersonPerPeriod,
            r.Value.Sharing == SharingRule.PerPerson ? "per_person" : "per_household",
            r.Value.CeilingPerHouseholdPerPeriod)));

    private static Results<Ok<AllowanceJson>, ProblemHttpResult> Allowance(string id, string? resource, PolicyStore store, IStateStore ledger, TimeProvider time, HttpContext http)
    {
        if (!Auth.Access.MayReadHousehold(http, id)) return AccessProblems.Forbidden(http);
        if (!store.HasPolicy) return NoPolicy();
        if (!Resources.TryParse(resource, out var r)) return Bad("'resource' must be one of water, energy, forest.");
        var policy = store.Current;
        var household = policy.Households.FirstOrDefault(h => h.Id == id);
        if (household is null)
            return Problems.NotFound("Unknown household", $"The policy of community '{policy.Community}' has no household '{id}'.");
        if (!policy.Resources.TryGetValue(r, out var rp))
            return Problems.NotFound("Resource not in the policy", $"The policy of community '{policy.Community}' has no section for {r.Name()}.");
        var now = time.GetUtcNow();
        var from = PolicyPeriods.StartOf(rp.Period, now, policy.UtcOffset);
        var to = PolicyPeriods.EndOf(rp.Period, now, policy.UtcOffset);
        var used = HouseholdUsage.UsedInPeriod(household, r, ledger, from, to);
        // Under a region the runtime computes allowances under the stricter delegated cap (Region/README.md): show those.
        var inForce = http.RequestServices.GetService(typeof(PolicyRuntime.CommonsRuntime)) is PolicyRuntime.CommonsRuntime runtime ? runtime.UnderDelegatedCapsOf(policy) : policy;
        var status = AllowanceCalculator.Compute(inForce, r).Status(household.Id, used);
        return TypedResults.Ok(new AllowanceJson(
            household.Id,
            r.Name(),
            r.Unit(),
            rp.Period.ToString().ToLowerInvariant(),
            from.ToString("O", CultureInfo.InvariantCulture),
            to.ToString("O", CultureInfo.InvariantCulture),
            status.FloorAmount,
            status.Allowance,
            status.Used,
            status.Remaining,
            status.FloorRemaining,
            status.UnderFloor,
            status.Exhausted));
    }

    private static string Offset(TimeSpan o) =>
        (o < TimeSpan.Zero ? "-" : "+") + o.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);

    private static ProblemHttpResult NoPolicy() => Problems.NoPolicy();

    private static ProblemHttpResult Bad(string detail) => Problems.Bad(detail);
}

/// <summary>GET /api/v1/policy: the policy in force. <c>resources</c> by name; amounts per period in the
/// resource's base unit (<c>unit</c>); <c>ceiling</c>: null when the policy sets none.</summary>
internal sealed record PolicyJson(
    string Community, int Version, string Source, string UtcOffset, IEnumerable<PolicyHouseholdJson> Households,
    Dictionary<string, PolicyResourceJson> Resources);

internal sealed record PolicyHouseholdJson(string Id, int Persons, IEnumerable<PolicyMeterJson> Meters);

internal sealed record PolicyMeterJson(string Id, string Resource, IEnumerable<string> Channels);

internal sealed record PolicyResourceJson(string Period, string Unit, long Cap, long FloorPerPerson, string Sharing, long? Ceiling);

/// <summary>A household's allowance in the current period [from, to), amounts in base units (<c>unit</c>).</summary>
internal sealed record AllowanceJson(
    string Household, string Resource, string Unit, string Period, string From, string To, long Floor, long Allowance, long Used,
    long Remaining, long FloorRemaining, bool UnderFloor, bool Exhausted);
