using Commons.Metering.Gateway.PolicyRuntime;
using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Gateway.Region;

/// <summary>The region's HTTP side (docs/federation.md): members post reports, anyone signed in reads
/// the regional aggregates; and a community's view of where its caps come from.</summary>
internal static class RegionApi
{
    public static IEndpointRouteBuilder MapRegionApi(this IEndpointRouteBuilder app)
    {
        if (app.ServiceProvider.GetService<RegionService>() is not null)
        {
            // Authenticated by the community's own token (Authorization: Community <token>), not by an account.
            app.MapPost("/api/v1/region/reports", Report).AllowAnonymous().WithTags("region").Produces<RegionAnswerJson>(StatusCodes.Status200OK);
            app.MapGet("/api/v1/region", Overview).RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("region");
            app.MapGet("/api/v1/region/proposals", (RegionService region) => TypedResults.Ok(region.Council.Pending().Select(ProposalJson)))
                .RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("region");
            app.MapPost("/api/v1/region/proposals", Propose).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapPost("/api/v1/region/proposals/{id}/approve", (string id, HttpContext http, RegionService region) =>
                Acted(region.Council.Approve(id, Auth.Access.Actor(http.User)))).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapGet("/api/v1/region/loans", (RegionLedger ledger) => TypedResults.Ok(ledger.AllLoans().Select(LoanJson)))
                .RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("region");
            app.MapPost("/api/v1/region/loans", ProposeLoan).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapPost("/api/v1/region/loans/{id}/approve", (string id, HttpContext http, RegionService region) =>
                Loaned(region.Aid.Approve(id, Auth.Access.Actor(http.User)))).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapPost("/api/v1/region/stages", ProposeStage).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapPost("/api/v1/region/stages/{id}/approve", Results<Ok<RegionStageJson>, ProblemHttpResult> (string id, HttpContext http, RegionService region, TimeProvider time) =>
            {
                var r = region.Council.ApproveStage(id, Auth.Access.Actor(http.User), time.GetUtcNow(), out var p);
                return r.Accepted ? TypedResults.Ok(StageJson(p!)) : Refused(r.Refusal);
            }).RequireAuthorization(Auth.Access.Council).WithTags("region");
        }
        if (app.ServiceProvider.GetService<UpstreamReporter>() is not null)
            app.MapGet("/api/v1/upstream", Upstream).RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("region");
        return app;
    }

    private static async Task<Results<FileContentHttpResult, ProblemHttpResult>> Report(HttpContext http, RegionService region)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Community ", StringComparison.Ordinal) ? header["Community ".Length..].Trim() : null;
        if (http.Request.ContentLength > RegionWire.MaxReportBytes)
            return TypedResults.Problem(statusCode: 413, title: "Report too large", detail: $"a report is at most {RegionWire.MaxReportBytes} bytes");
        using var ms = new MemoryStream();
        var buffer = new byte[1024];
        int n;
        while ((n = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
        {
            if (ms.Length + n > RegionWire.MaxReportBytes)
                return TypedResults.Problem(statusCode: 413, title: "Report too large", detail: $"a report is at most {RegionWire.MaxReportBytes} bytes");
            ms.Write(buffer, 0, n);
        }
        var result = region.Handle(token, ms.ToArray());
        return result.Answer is { } a
            ? TypedResults.Bytes(RegionWire.Encode(a), "application/json")
            : TypedResults.Problem(statusCode: result.Status, title: result.Title, detail: result.Detail);
    }

    /// <summary>A delegate proposes a budget: {"resource","budgetPerPeriod","needPerPersonPerPeriod","rule"}.</summary>
    private static async Task<Results<Ok<RegionProposalJson>, ProblemHttpResult>> Propose(HttpContext http, RegionService region)
    {
        ProposalBody? body;
        try { body = await http.Request.ReadFromJsonAsync<ProposalBody>(http.RequestAborted); }
        catch (System.Text.Json.JsonException e) { return TypedResults.Problem(statusCode: 400, title: "Bad request", detail: e.Message); }
        if (body is null || !Resources.TryParse(body.Resource, out var r))
            return TypedResults.Problem(statusCode: 400, title: "Bad request", detail: "'resource' must be water, energy or forest.");
        if (body.Rule is not (null or "by_population" or "by_shares" or "by_recent_use"))
            return TypedResults.Problem(statusCode: 400, title: "Bad request", detail: "'rule' must be by_population, by_shares or by_recent_use.");
        var rule = body.Rule switch { "by_shares" => RegionalRule.ByShares, "by_recent_use" => RegionalRule.ByRecentUse, _ => RegionalRule.ByPopulation };
        return Acted(region.Council.Propose(Auth.Access.Actor(http.User), r, body.BudgetPerPeriod, body.NeedPerPersonPerPeriod, rule));
    }

    /// <summary>A delegate proposes a regional stage: {"resource","stage","hours"}.</summary>
    private static async Task<Results<Ok<RegionStageJson>, ProblemHttpResult>> ProposeStage(HttpContext http, RegionService region)
    {
        StageBody? body;
        try { body = await http.Request.ReadFromJsonAsync<StageBody>(http.RequestAborted); }
        catch (System.Text.Json.JsonException e) { return TypedResults.Problem(statusCode: 400, title: "Bad request", detail: e.Message); }
        if (body is null || !Resources.TryParse(body.Resource, out var r))
            return TypedResults.Problem(statusCode: 400, title: "Bad request", detail: "'resource' must be water, energy or forest.");
        var result = region.Council.ProposeStage(Auth.Access.Actor(http.User), r, body.Stage, body.Hours, out var p);
        return result.Accepted ? TypedResults.Ok(StageJson(p!)) : Refused(result.Refusal);
    }

    /// <summary>A council member of either community proposes a loan for the current period: {"resource","lender","borrower","amount"}.</summary>
    private static async Task<Results<Ok<RegionLoanJson>, ProblemHttpResult>> ProposeLoan(HttpContext http, RegionService region, TimeProvider time)
    {
        LoanBody? body;
        try { body = await http.Request.ReadFromJsonAsync<LoanBody>(http.RequestAborted); }
        catch (System.Text.Json.JsonException e) { return TypedResults.Problem(statusCode: 400, title: "Bad request", detail: e.Message); }
        if (body is null || !Resources.TryParse(body.Resource, out var r) || body.Lender is null || body.Borrower is null)
            return TypedResults.Problem(statusCode: 400, title: "Bad request", detail: "'resource' (water, energy or forest), 'lender', 'borrower' and 'amount' are required.");
        var (from, to) = region.PeriodAt(r, time.GetUtcNow());
        return Loaned(region.Aid.Propose(Auth.Access.Actor(http.User), r, body.Lender, body.Borrower, body.Amount, from, to));
    }

    private sealed record LoanBody(string? Resource, string? Lender, string? Borrower, long Amount);

    private static Results<Ok<RegionLoanJson>, ProblemHttpResult> Loaned(LoanResult r) => r.Accepted
        ? TypedResults.Ok(LoanJson(r.Loan!))
        : Refused(r.Refusal);

    private static RegionLoanJson LoanJson(Loan l) => new(
        l.Id,
        l.Resource.Name(),
        l.Lender,
        l.Borrower,
        l.Amount,
        DateTimeOffset.FromUnixTimeMilliseconds(l.FromMs).ToString("O", CultureInfo.InvariantCulture),
        DateTimeOffset.FromUnixTimeMilliseconds(l.ToMs).ToString("O", CultureInfo.InvariantCulture),
        l.LenderApprovals.Order(StringComparer.Ordinal),
        l.BorrowerApprovals.Order(StringComparer.Ordinal),
        l.Active);

    private sealed record StageBody(string? Resource, int Stage, int Hours);

    private static RegionStageJson StageJson(StageProposal p) =>
        new(p.Id, p.Resource.Name(), p.Stage, p.Hours, p.Proposer, p.Approvals.Order(StringComparer.Ordinal), p.Active);

    private sealed record ProposalBody(string? Resource, long BudgetPerPeriod, long NeedPerPersonPerPeriod, string? Rule);

    private static Results<Ok<RegionProposalJson>, ProblemHttpResult> Acted(CouncilResult r) => r.Accepted
        ? TypedResults.Ok(ProposalJson(r.Proposal!))
        : Refused(r.Refusal);

    private static ProblemHttpResult Refused(string? refusal) => TypedResults.Problem(statusCode: 409, title: "Refused", detail: refusal);

    private static RegionProposalJson ProposalJson(BudgetProposal p) => new(
        p.Id, p.Resource.Name(), p.BudgetPerPeriod, p.NeedPerPersonPerPeriod, RegionalCouncil.RuleName(p.Rule), p.Proposer,
        p.Approvals.Order(StringComparer.Ordinal), p.Active);

    /// <summary>Public aggregates only: per resource and current period each member's reported use,
    /// population, stage, floor and cap, and what the budget could not cover or give.</summary>
    private static Ok<RegionOverviewJson> Overview(RegionService region, RegionOptions options, RegionLedger ledger, TimeProvider time)
    {
        var now = time.GetUtcNow();
        return TypedResults.Ok(new RegionOverviewJson(
            options.Id,
            options.BudgetedResources().OrderBy(r => r).Select(r =>
            {
                var budget = region.Council.Budget(r);
                var from = Policy.PolicyPeriods.StartOf(budget.Period, now, options.Offset);
                var table = region.Allocate(r, from.ToUnixTimeMilliseconds());
                var use = ledger.Use(r, from.ToUnixTimeMilliseconds());
                return new RegionResourceJson(
                    r.Name(),
                    r.Unit(),
                    budget.Period.ToString().ToLowerInvariant(),
                    from.ToString("O", CultureInfo.InvariantCulture),
                    budget.BudgetPerPeriod,
                    RegionalCouncil.RuleName(budget.Rule),
                    budget.NeedPerPersonPerPeriod,
                    region.Council.StageAt(r, now)?.Stage ?? 0,
                    region.Council.StageAt(r, now) is { } st ? DateTimeOffset.FromUnixTimeMilliseconds(st.UntilMs).ToString("O", CultureInfo.InvariantCulture) : null,
                    table.FloorShortfall,
                    table.Unallocated,
                    table.Communities.Select(c => new RegionCommunityJson(
                        c.Community,
                        c.Persons,
                        c.Floor,
                        c.Cap,
                        use.TryGetValue(c.Community, out var u) ? u.Used : null,
                        use.TryGetValue(c.Community, out var s) ? s.Stage : null,
                        use.TryGetValue(c.Community, out var h) ? h.Households : null)));
            })));
    }

    private static Ok<UpstreamJson> Upstream(UpstreamReporter reporter, PolicyRuntime.CommonsRuntime runtime, Policy.PolicyStore store, UpstreamOptions options) =>
        TypedResults.Ok(new UpstreamJson(
            options.Url,
            reporter.Pending,
            store.Current.Resources.OrderBy(r => r.Key).Select(r =>
            {
                var d = runtime.DelegatedCaps.GetValueOrDefault(r.Key);
                return new UpstreamResourceJson(
                    r.Key.Name(),
                    r.Value.CapPerPeriod,
                    d?.Cap,
                    d is null ? "own" : d.Source == CapSource.Region ? "region" : "fallback",
                    d is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(d.ValidUntilMs).ToString("O", CultureInfo.InvariantCulture),
                    d?.RegionalStage ?? 0,
                    runtime.Overview().Resources.FirstOrDefault(o => o.Resource == r.Key)?.Stage ?? 0,
                    EffectiveCap.Stricter(r.Value.CapPerPeriod, d));
            })));
}
