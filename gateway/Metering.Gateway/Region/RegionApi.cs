using Commons.Metering.Gateway.Commons;
using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
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
            app.MapPost("/api/v1/region/reports", Report).AllowAnonymous().WithTags("region");
            app.MapGet("/api/v1/region", Overview).RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("region");
            app.MapGet("/api/v1/region/proposals", (RegionService region) => Results.Json(region.Council.Pending().Select(ProposalJson)))
                .RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("region");
            app.MapPost("/api/v1/region/proposals", Propose).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapPost("/api/v1/region/proposals/{id}/approve", (string id, HttpContext http, RegionService region) =>
                Acted(region.Council.Approve(id, Auth.Access.Actor(http.User)))).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapGet("/api/v1/region/loans", (RegionLedger ledger) => Results.Json(ledger.AllLoans().Select(LoanJson)))
                .RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("region");
            app.MapPost("/api/v1/region/loans", ProposeLoan).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapPost("/api/v1/region/loans/{id}/approve", (string id, HttpContext http, RegionService region) =>
                Loaned(region.Aid.Approve(id, Auth.Access.Actor(http.User)))).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapPost("/api/v1/region/stages", ProposeStage).RequireAuthorization(Auth.Access.Council).WithTags("region");
            app.MapPost("/api/v1/region/stages/{id}/approve", (string id, HttpContext http, RegionService region, TimeProvider time) =>
            {
                var r = region.Council.ApproveStage(id, Auth.Access.Actor(http.User), time.GetUtcNow(), out var p);
                return r.Accepted ? Results.Json(StageJson(p!)) : Results.Problem(statusCode: 409, title: "Refused", detail: r.Refusal);
            }).RequireAuthorization(Auth.Access.Council).WithTags("region");
        }
        if (app.ServiceProvider.GetService<UpstreamReporter>() is not null)
            app.MapGet("/api/v1/upstream", Upstream).RequireAuthorization(Auth.Access.SignedInOrSetup).WithTags("region");
        return app;
    }

    private static async Task<IResult> Report(HttpContext http, RegionService region)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Community ", StringComparison.Ordinal) ? header["Community ".Length..].Trim() : null;
        if (http.Request.ContentLength > RegionWire.MaxReportBytes)
            return Results.Problem(statusCode: 413, title: "Report too large", detail: $"a report is at most {RegionWire.MaxReportBytes} bytes");
        using var ms = new MemoryStream();
        var buffer = new byte[1024];
        int n;
        while ((n = await http.Request.Body.ReadAsync(buffer, http.RequestAborted)) > 0)
        {
            if (ms.Length + n > RegionWire.MaxReportBytes)
                return Results.Problem(statusCode: 413, title: "Report too large", detail: $"a report is at most {RegionWire.MaxReportBytes} bytes");
            ms.Write(buffer, 0, n);
        }
        var result = region.Handle(token, ms.ToArray());
        return result.Answer is { } a
            ? Results.Bytes(RegionWire.Encode(a), "application/json")
            : Results.Problem(statusCode: result.Status, title: result.Title, detail: result.Detail);
    }

    /// <summary>A delegate proposes a budget: {"resource","budgetPerPeriod","needPerPersonPerPeriod","rule"}.</summary>
    private static async Task<IResult> Propose(HttpContext http, RegionService region)
    {
        ProposalBody? body;
        try { body = await http.Request.ReadFromJsonAsync<ProposalBody>(http.RequestAborted); }
        catch (System.Text.Json.JsonException e) { return Results.Problem(statusCode: 400, title: "Bad request", detail: e.Message); }
        if (body is null || !Resources.TryParse(body.Resource, out var r))
            return Results.Problem(statusCode: 400, title: "Bad request", detail: "'resource' must be water, energy or forest.");
        if (body.Rule is not (null or "by_population" or "by_shares" or "by_recent_use"))
            return Results.Problem(statusCode: 400, title: "Bad request", detail: "'rule' must be by_population, by_shares or by_recent_use.");
        var rule = body.Rule switch { "by_shares" => RegionalRule.ByShares, "by_recent_use" => RegionalRule.ByRecentUse, _ => RegionalRule.ByPopulation };
        return Acted(region.Council.Propose(Auth.Access.Actor(http.User), r, body.BudgetPerPeriod, body.NeedPerPersonPerPeriod, rule));
    }

    /// <summary>A delegate proposes a regional stage: {"resource","stage","hours"}.</summary>
    private static async Task<IResult> ProposeStage(HttpContext http, RegionService region)
    {
        StageBody? body;
        try { body = await http.Request.ReadFromJsonAsync<StageBody>(http.RequestAborted); }
        catch (System.Text.Json.JsonException e) { return Results.Problem(statusCode: 400, title: "Bad request", detail: e.Message); }
        if (body is null || !Resources.TryParse(body.Resource, out var r))
            return Results.Problem(statusCode: 400, title: "Bad request", detail: "'resource' must be water, energy or forest.");
        var result = region.Council.ProposeStage(Auth.Access.Actor(http.User), r, body.Stage, body.Hours, out var p);
        return result.Accepted ? Results.Json(StageJson(p!)) : Results.Problem(statusCode: 409, title: "Refused", detail: result.Refusal);
    }

    /// <summary>A council member of either community proposes a loan for the current period: {"resource","lender","borrower","amount"}.</summary>
    private static async Task<IResult> ProposeLoan(HttpContext http, RegionService region, TimeProvider time)
    {
        LoanBody? body;
        try { body = await http.Request.ReadFromJsonAsync<LoanBody>(http.RequestAborted); }
        catch (System.Text.Json.JsonException e) { return Results.Problem(statusCode: 400, title: "Bad request", detail: e.Message); }
        if (body is null || !Resources.TryParse(body.Resource, out var r) || body.Lender is null || body.Borrower is null)
            return Results.Problem(statusCode: 400, title: "Bad request", detail: "'resource' (water, energy or forest), 'lender', 'borrower' and 'amount' are required.");
        var (from, to) = region.PeriodAt(r, time.GetUtcNow());
        return Loaned(region.Aid.Propose(Auth.Access.Actor(http.User), r, body.Lender, body.Borrower, body.Amount, from, to));
    }

    private sealed record LoanBody(string? Resource, string? Lender, string? Borrower, long Amount);

    private static IResult Loaned(LoanResult r) => r.Accepted
        ? Results.Json(LoanJson(r.Loan!))
        : Results.Problem(statusCode: 409, title: "Refused", detail: r.Refusal);

    private static object LoanJson(Loan l) => new
    {
        id = l.Id,
        resource = l.Resource.Name(),
        lender = l.Lender,
        borrower = l.Borrower,
        amount = l.Amount,
        from = DateTimeOffset.FromUnixTimeMilliseconds(l.FromMs).ToString("O", CultureInfo.InvariantCulture),
        to = DateTimeOffset.FromUnixTimeMilliseconds(l.ToMs).ToString("O", CultureInfo.InvariantCulture),
        lenderApprovals = l.LenderApprovals.Order(StringComparer.Ordinal),
        borrowerApprovals = l.BorrowerApprovals.Order(StringComparer.Ordinal),
        active = l.Active,
    };

    private sealed record StageBody(string? Resource, int Stage, int Hours);

    private static object StageJson(StageProposal p) => new
    {
        id = p.Id,
        resource = p.Resource.Name(),
        stage = p.Stage,
        hours = p.Hours,
        proposer = p.Proposer,
        approvals = p.Approvals.Order(StringComparer.Ordinal),
        active = p.Active,
    };

    private sealed record ProposalBody(string? Resource, long BudgetPerPeriod, long NeedPerPersonPerPeriod, string? Rule);

    private static IResult Acted(CouncilResult r) => r.Accepted
        ? Results.Json(ProposalJson(r.Proposal!))
        : Results.Problem(statusCode: 409, title: "Refused", detail: r.Refusal);

    private static object ProposalJson(BudgetProposal p) => new
    {
        id = p.Id,
        resource = p.Resource.Name(),
        budgetPerPeriod = p.BudgetPerPeriod,
        needPerPersonPerPeriod = p.NeedPerPersonPerPeriod,
        rule = RegionalCouncil.RuleName(p.Rule),
        proposer = p.Proposer,
        approvals = p.Approvals.Order(StringComparer.Ordinal),
        active = p.Active,
    };

    /// <summary>Public aggregates only: per resource and current period each member's reported use,
    /// population, stage, floor and cap, and what the budget could not cover or give.</summary>
    private static IResult Overview(RegionService region, RegionOptions options, RegionLedger ledger, TimeProvider time)
    {
        var now = time.GetUtcNow();
        return Results.Json(new
        {
            region = options.Id,
            resources = options.BudgetedResources().OrderBy(r => r).Select(r =>
            {
                var budget = region.Council.Budget(r);
                var from = Policy.PolicyPeriods.StartOf(budget.Period, now, options.Offset);
                var table = region.Allocate(r, from.ToUnixTimeMilliseconds());
                var use = ledger.Use(r, from.ToUnixTimeMilliseconds());
                return new
                {
                    resource = r.Name(),
                    unit = r.Unit(),
                    period = budget.Period.ToString().ToLowerInvariant(),
                    from = from.ToString("O", CultureInfo.InvariantCulture),
                    budget = budget.BudgetPerPeriod,
                    rule = RegionalCouncil.RuleName(budget.Rule),
                    needPerPerson = budget.NeedPerPersonPerPeriod,
                    stage = region.Council.StageAt(r, now)?.Stage ?? 0,
                    stageUntil = region.Council.StageAt(r, now) is { } st ? DateTimeOffset.FromUnixTimeMilliseconds(st.UntilMs).ToString("O", CultureInfo.InvariantCulture) : null,
                    floorShortfall = table.FloorShortfall,
                    unallocated = table.Unallocated,
                    communities = table.Communities.Select(c => new
                    {
                        id = c.Community,
                        persons = c.Persons,
                        floor = c.Floor,
                        cap = c.Cap,
                        used = use.TryGetValue(c.Community, out var u) ? u.Used : (long?)null,
                        stage = use.TryGetValue(c.Community, out var s) ? s.Stage : (int?)null,
                        households = use.TryGetValue(c.Community, out var h) ? h.Households : (int?)null,
                    }),
                };
            }),
        });
    }

    private static IResult Upstream(UpstreamReporter reporter, Commons.CommonsRuntime runtime, Policy.PolicyStore store, UpstreamOptions options) =>
        Results.Json(new
        {
            region = options.Url,
            pendingReports = reporter.Pending,
            resources = store.Current.Resources.OrderBy(r => r.Key).Select(r =>
            {
                var d = runtime.DelegatedCaps.GetValueOrDefault(r.Key);
                return new
                {
                    resource = r.Key.Name(),
                    ownCap = r.Value.CapPerPeriod,
                    delegatedCap = d?.Cap,
                    source = d is null ? "own" : d.Source == CapSource.Region ? "region" : "fallback",
                    validUntil = d is null ? null : DateTimeOffset.FromUnixTimeMilliseconds(d.ValidUntilMs).ToString("O", CultureInfo.InvariantCulture),
                    regionalStage = d?.RegionalStage ?? 0,
                    stage = runtime.Overview().Resources.FirstOrDefault(o => o.Resource == r.Key)?.Stage ?? 0,
                    inForce = EffectiveCap.Stricter(r.Value.CapPerPeriod, d),
                };
            }),
        });
}
