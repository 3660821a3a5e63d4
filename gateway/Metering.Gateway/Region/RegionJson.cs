using System.Text.Json.Serialization;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Region;

// The JSON shapes of the region's HTTP side (RegionApi.cs). Property names are the wire names in
// camelCase; amounts are integers per period in the resource's base unit (mL, Wh, g); times ISO 8601.

/// <summary>A regional budget proposal; <c>rule</c>: by_population, by_shares or by_recent_use.</summary>
internal sealed record RegionProposalJson(
    string Id, string Resource, long BudgetPerPeriod, long NeedPerPersonPerPeriod, string Rule, string Proposer, IEnumerable<string> Approvals, bool Active);

/// <summary>A loan of part of one community's allowance to another for [from, to).</summary>
internal sealed record RegionLoanJson(
    string Id, string Resource, string Lender, string Borrower, long Amount, string From, string To,
    IEnumerable<string> LenderApprovals, IEnumerable<string> BorrowerApprovals, bool Active);

/// <summary>A regional stage (0-3) proposed for <c>hours</c>.</summary>
internal sealed record RegionStageJson(string Id, string Resource, int Stage, int Hours, string Proposer, IEnumerable<string> Approvals, bool Active);

/// <summary>GET /api/v1/region: public aggregates per budgeted resource and current period.</summary>
internal sealed record RegionOverviewJson(string Region, IEnumerable<RegionResourceJson> Resources);

/// <summary><c>floorShortfall</c> &gt; 0: the floors alone exceed the budget; <c>unallocated</c>: what no
/// member could take.</summary>
internal sealed record RegionResourceJson(
    string Resource, string Unit, string Period, string From, long Budget, string Rule, long NeedPerPerson, int Stage, string? StageUntil,
    long FloorShortfall, long Unallocated, IEnumerable<RegionCommunityJson> Communities);

/// <summary>A member's allocation and what it reported (null until its first report of the period).</summary>
internal sealed record RegionCommunityJson(string Id, long Persons, long Floor, long Cap, long? Used, int? Stage, int? Households);

/// <summary>GET /api/v1/upstream: where this community's caps come from.</summary>
internal sealed record UpstreamJson(string Region, int PendingReports, IEnumerable<UpstreamResourceJson> Resources);

/// <summary><c>source</c>: own, region or fallback; <c>inForce</c>: the stricter of the own and the delegated cap.</summary>
internal sealed record UpstreamResourceJson(
    string Resource, long OwnCap, long? DelegatedCap, string Source, string? ValidUntil, int RegionalStage, int Stage, long InForce);

/// <summary>The region's answer to a report, as RegionWire.Encode writes it (docs/federation.md, "Wire");
/// declared for the API's description, the bytes come from the wire encoder.</summary>
internal sealed record RegionAnswerJson(
    [property: JsonPropertyName("v")] int V, string Region, string Community, long Seq, bool Duplicate, IReadOnlyList<RegionCapJson> Caps)
{
    /// <summary>The record of what <see cref="RegionWire.Encode(RegionAnswer)"/> writes (a test keeps them equal).</summary>
    public static RegionAnswerJson Of(RegionAnswer a) => new(RegionWire.Version, a.Region, a.Community, a.Seq, a.Duplicate,
        [.. a.Caps.Select(c => new RegionCapJson(c.Resource.Name(), c.FromMs, c.ToMs, c.Cap, c.Floor, c.ValidUntilMs, c.Stage, c.StageUntilMs))]);
}

/// <summary>A delegated cap for [from, to) in unix milliseconds, in the resource's base unit.</summary>
internal sealed record RegionCapJson(
    [property: JsonPropertyName("r")] string R, long From, long To, long Cap, long Floor,
    [property: JsonPropertyName("valid_until")] long ValidUntil, int Stage, [property: JsonPropertyName("stage_until")] long StageUntil);
