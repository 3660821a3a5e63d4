using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Commons.Metering.Dashboard.Tests.Api.ApiAssert;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>The writes: council proposes, approves and declares; technicians reset; every other
/// role is refused and nothing changes; every accepted act is in the audit log with its actor.</summary>
[Trait("Category", "Integration")]
public sealed class ActsApiTests(PolicyGateway gw) : IClassFixture<PolicyGateway>
{
    /// <summary>The test policy with the water cap raised from 1500 L to 1800 L a day.</summary>
    internal static string RaisedWaterCap => File.ReadAllText(DashboardGateway.PolicyPath).Replace("cap: 1_500_000", "cap: 1_800_000");

    private static async Task<long> WaterCapAsync(HttpClient http) =>
        (await http.GetFromJsonAsync<JsonElement>("api/v1/overview")).GetProperty("resources").EnumerateArray()
            .Single(r => r.GetProperty("resource").GetString() == "water").GetProperty("cap").GetInt64();

    [Fact]
    public async Task Council_ProposesAndApproves_ThePolicyChanges_AndTheAuditNamesBoth()
    {
        using var amina = await gw.SignInAsync("amina");
        using var bruno = await gw.SignInAsync("bruno");
        using var tech = await gw.SignInAsync("tech");
        using (var r = await tech.PostJsonAsync("api/v1/proposals", new { yaml = RaisedWaterCap })) await ProblemAsync(r, HttpStatusCode.Forbidden);
        using (var r = await amina.PostJsonAsync("api/v1/proposals", new { yaml = "version: 1\ncommunity: [" }))
            await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await amina.PostJsonAsync("api/v1/proposals", new { yaml = RaisedWaterCap, effectiveAt = "tomorrow" })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await amina.PostJsonAsync("api/v1/proposals", new { })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await amina.PostRawAsync("api/v1/proposals", "{\"yaml\":\"" + new string('x', 300_000) + "\"}")) await ProblemAsync(r, HttpStatusCode.RequestEntityTooLarge);
        using (var r = await bruno.PostEmptyAsync("api/v1/proposals/nope/approve")) await ProblemAsync(r, HttpStatusCode.NotFound);
        Assert.Equal(1_500_000, await WaterCapAsync(amina));

        var id = (await OkJsonAsync(await amina.PostJsonAsync("api/v1/proposals", new { yaml = RaisedWaterCap, effectiveAt = DateTimeOffset.UtcNow.AddSeconds(-1) })))
            .GetProperty("id").GetString()!;
        var pending = (await amina.GetFromJsonAsync<JsonElement>("api/v1/proposals")).EnumerateArray().Single(p => p.GetProperty("id").GetString() == id);
        Assert.Equal(["amina"], pending.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()));
        using (var r = await tech.PostEmptyAsync($"api/v1/proposals/{id}/approve")) await ProblemAsync(r, HttpStatusCode.Forbidden);
        using (var r = await bruno.PostEmptyAsync($"api/v1/proposals/{id}/approve")) await OkJsonAsync(r);

        Assert.True(await DashboardGateway.EventuallyAsync(async () => await WaterCapAsync(amina) == 1_800_000, TimeSpan.FromSeconds(5)));
        var audit = (await amina.GetFromJsonAsync<JsonElement>("api/v1/audit?limit=100")).GetProperty("records").GetRawText();
        Assert.Contains("\"actor\":\"amina\"", audit);
        Assert.Contains("\"actor\":\"bruno\"", audit);
    }

    [Fact]
    public async Task Proposals_CarryTheirFile_APlainSummary_AndADiff_RefusedOnesSayWhy_AndThePolicyDownloads()
    {
        using var chen = await gw.SignInAsync("chen");
        using var member = await gw.SignInAsync("member-h01");
        // The policy in force, as a file: what a council member starts a proposal from (the configured
        // file, or the raised cap when another test of this class activated it first).
        string inForce;
        using (var r = await member.GetAsync("api/v1/policy.yaml"))
        {
            Assert.Equal(HttpStatusCode.OK, r.StatusCode);
            Assert.Equal("application/yaml", r.Content.Headers.ContentType?.MediaType);
            Assert.Equal("attachment", r.Content.Headers.ContentDisposition?.DispositionType);
            inForce = await r.Content.ReadAsStringAsync();
            Assert.Contains(inForce, new[] { File.ReadAllText(DashboardGateway.PolicyPath), RaisedWaterCap });
        }
        var yaml = inForce.Replace("persons: 2", "persons: 1").Replace("cap: 900_000", "cap: 25_000_000");
        var id = (await OkJsonAsync(await chen.PostJsonAsync("api/v1/proposals", new { yaml, effectiveAt = DateTimeOffset.UtcNow.AddDays(30) })))
            .GetProperty("id").GetString()!;
        var p = (await member.GetFromJsonAsync<JsonElement>("api/v1/proposals")).EnumerateArray().Single(x => x.GetProperty("id").GetString() == id);
        Assert.Equal(yaml, p.GetProperty("yaml").GetString());
        Assert.Equal("pending", p.GetProperty("state").GetString());
        var summary = p.GetProperty("summary").EnumerateArray().Select(s => s.GetString()).ToList();
        Assert.Equal(["Household h02: 2 persons → 1 person.", "Energy cap: 900 kWh per month → 25 MWh per month."], summary);
        var changed = p.GetProperty("diff").EnumerateArray().Where(l => l.GetProperty("op").GetString() is "+" or "-")
            .Select(l => l.GetProperty("op").GetString() + l.GetProperty("text").GetString()!.Trim()).ToList();
        Assert.Equal(["-persons: 2", "+persons: 1", "-cap: 900_000", "+cap: 25_000_000"], changed);

        // A refused proposal stays visible with why and the errors (line:column), not only in the audit log.
        var bad = "version: 1\ncommunity: demo\ncouncil: { k: 9 }\n";
        await ProblemAsync(await chen.PostJsonAsync("api/v1/proposals", new { yaml = bad }), HttpStatusCode.BadRequest);
        var refused = (await member.GetFromJsonAsync<JsonElement>("api/v1/proposals")).EnumerateArray()
            .First(x => x.GetProperty("state").GetString() == "refused" && x.GetProperty("yaml").GetString() == bad);
        Assert.Equal("chen", refused.GetProperty("proposer").GetString());
        Assert.Contains("errors in proposal.yaml", refused.GetProperty("refusal").GetString());
        Assert.NotEmpty(refused.GetProperty("errors").EnumerateArray());
    }

    [Fact]
    public async Task EmergencySignature_LongerThanThePolicyAllows_IsRefusedWhenSigned()
    {
        using var chen = await gw.SignInAsync("chen");
        // policies/dashboard.yaml: emergency.max_duration_hours 72.
        var detail = await ProblemAsync(await chen.PostJsonAsync("api/v1/emergency", new { reason = "too long", hours = 500 }), HttpStatusCode.Conflict);
        Assert.Contains("72 h", detail);
        var emergency = (await chen.GetFromJsonAsync<JsonElement>("api/v1/overview")).GetProperty("emergency");
        if (emergency.ValueKind != JsonValueKind.Null)
            Assert.DoesNotContain(emergency.GetProperty("signatures").EnumerateArray(), s => s.GetProperty("reason").GetString() == "too long");
    }

    [Fact]
    public async Task Emergency_IsDeclaredByAQuorumOfCouncil_AndShowsItsSunsetOnTheOverview()
    {
        using var chen = await gw.SignInAsync("chen");
        using var bruno = await gw.SignInAsync("bruno");
        using var member = await gw.SignInAsync("member-h01");
        using (var r = await member.PostJsonAsync("api/v1/emergency", new { reason = "spring dry", hours = 24 })) await ProblemAsync(r, HttpStatusCode.Forbidden);
        using (var r = await chen.PostJsonAsync("api/v1/emergency", new { reason = "spring dry", hours = 0 })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await chen.PostJsonAsync("api/v1/emergency", new { hours = 24 })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await chen.PostJsonAsync("api/v1/emergency/renew", new { hours = 24 })) await ProblemAsync(r, HttpStatusCode.Conflict);
        Assert.Equal(JsonValueKind.Null, (await member.GetFromJsonAsync<JsonElement>("api/v1/overview")).GetProperty("emergency").ValueKind);

        Assert.Equal("pending", (await OkJsonAsync(await chen.PostJsonAsync("api/v1/emergency", new { reason = "spring dry", hours = 24 }))).GetProperty("id").GetString());
        Assert.Equal("declared", (await OkJsonAsync(await bruno.PostJsonAsync("api/v1/emergency", new { reason = "spring dry", hours = 24 }))).GetProperty("id").GetString());
        var emergency = (await member.GetFromJsonAsync<JsonElement>("api/v1/overview")).GetProperty("emergency");
        Assert.Equal("spring dry", emergency.GetProperty("reason").GetString());
        Assert.InRange(emergency.GetProperty("remainingSeconds").GetInt64(), 23 * 3600, 24 * 3600);
        // A renewal needs a fresh quorum too: one signature leaves it pending.
        Assert.Equal("pending", (await OkJsonAsync(await chen.PostJsonAsync("api/v1/emergency/renew", new { hours = 12 }))).GetProperty("id").GetString());
        Assert.Equal(0, (await member.GetFromJsonAsync<JsonElement>("api/v1/overview")).GetProperty("emergency").GetProperty("renewals").GetInt32());
    }

    [Fact]
    public async Task LeakTrip_ShowsAsAnOpenBreaker_WhichOnlyATechnicianResets()
    {
        // Continuous flow for 3 minutes of device time on w-h02/main: the policy's leak_minutes is 2.
        var start = DateTimeOffset.UtcNow.AddMinutes(-3);
        for (var i = 0; i <= 3; i++) await gw.PublishReadingAsync("w-h02", 100 + i, start.AddMinutes(i), ("main", 10_000 + i * 1_000));
        using var tech = await gw.SignInAsync("tech");
        JsonElement breaker = default;
        Assert.True(await DashboardGateway.EventuallyAsync(async () =>
        {
            breaker = (await tech.GetFromJsonAsync<JsonElement>("api/v1/breakers")).EnumerateArray().Single(b => b.GetProperty("meter").GetString() == "w-h02");
            return breaker.GetProperty("state").GetString() != "closed";
        }, TimeSpan.FromSeconds(10)), "no trip: " + breaker);
        Assert.Equal("leak", breaker.GetProperty("safety").GetString());
        var id = breaker.GetProperty("id").GetString()!;

        using var council = await gw.SignInAsync("amina");
        using (var r = await council.PostEmptyAsync($"api/v1/breakers/{Uri.EscapeDataString(id)}/reset")) await ProblemAsync(r, HttpStatusCode.Forbidden);
        using (var r = await tech.PostEmptyAsync("api/v1/breakers/nope/reset")) await ProblemAsync(r, HttpStatusCode.NotFound);
        using (var r = await tech.PostEmptyAsync($"api/v1/breakers/{Uri.EscapeDataString(id)}/reset")) await OkJsonAsync(r);
        var after = (await tech.GetFromJsonAsync<JsonElement>("api/v1/breakers")).EnumerateArray().Single(b => b.GetProperty("id").GetString() == id);
        Assert.Equal("closed", after.GetProperty("state").GetString());
        using (var r = await tech.PostEmptyAsync($"api/v1/breakers/{Uri.EscapeDataString(id)}/reset")) await ProblemAsync(r, HttpStatusCode.Conflict);
        var audit = (await tech.GetFromJsonAsync<JsonElement>("api/v1/audit?limit=100")).GetProperty("records").GetRawText();
        Assert.Contains("\"actor\":\"tech\"", audit);
    }
}
