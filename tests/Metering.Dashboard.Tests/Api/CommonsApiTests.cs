using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Commons.Metering.Dashboard.Tests.Api.ApiAssert;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>The read endpoints of the commons, role by role: household data private, device views
/// for operations, aggregates for everyone signed in.</summary>
[Trait("Category", "Integration")]
public sealed class CommonsApiTests(PolicyGateway gw) : IClassFixture<PolicyGateway>
{
    [Fact]
    public async Task Overview_IsAggregatesForEveryRole_AndClosedToAnonymous()
    {
        foreach (var name in new[] { "member-h01", "amina", "tech", "admin" })
        {
            using var http = await gw.SignInAsync(name);
            var o = await http.GetFromJsonAsync<JsonElement>("api/v1/overview");
            Assert.True(o.GetProperty("hasPolicy").GetBoolean());
            Assert.Equal("demo", o.GetProperty("community").GetString());
            Assert.Equal(["energy", "forest", "water"], o.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("resource").GetString()!).Order().ToArray());
            Assert.DoesNotContain("h01", o.GetRawText());
        }
        using var anonymous = gw.Anonymous();
        using var r = await anonymous.GetAsync("api/v1/overview");
        await ProblemAsync(r, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Household_IsReadableByItsOwnMemberOnly_WithHistoryFromTheLedger()
    {
        var now = DateTimeOffset.UtcNow;
        await gw.PublishReadingAsync("w-h01", 1, now.AddSeconds(-30), ("kitchen", 1_000), ("garden", 0));
        await gw.PublishReadingAsync("w-h01", 2, now, ("kitchen", 13_500), ("garden", 2_000));
        using var member = await gw.SignInAsync("member-h01");
        JsonElement water = default;
        Assert.True(await DashboardGateway.EventuallyAsync(async () =>
        {
            var h = await member.GetFromJsonAsync<JsonElement>("api/v1/households/h01");
            water = h.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("resource").GetString() == "water");
            return water.GetProperty("used").GetInt64() == 14_500;
        }, TimeSpan.FromSeconds(10)), "household h01 never showed 14.5 L used: " + water);
        Assert.Equal(200_000, water.GetProperty("floor").GetInt64()); // 4 persons x 50 L
        Assert.Equal(14_500, water.GetProperty("history").GetProperty("hourly").EnumerateArray().Last().GetProperty("used").GetInt64());
        Assert.Equal(24, water.GetProperty("history").GetProperty("hourly").GetArrayLength());
        Assert.Equal(14_500, water.GetProperty("history").GetProperty("daily").EnumerateArray().Last().GetProperty("used").GetInt64());
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(member, "api/v1/households/h01/allowance?resource=water"));
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(member, $"api/v1/meters/w-h01/usage?from={now.AddHours(-1):O}&to={now.AddHours(1):O}".Replace("+", "%2B")));

        foreach (var path in new[] { "api/v1/households/h02", "api/v1/households/h02/allowance?resource=water", "api/v1/households/h99",
                     "api/v1/meters/w-h02/usage?from=2026-01-01T00:00:00Z&to=2027-01-01T00:00:00Z", "api/v1/meters", "api/v1/devices", "api/v1/breakers" })
        {
            using var r = await member.GetAsync(path);
            await ProblemAsync(r, HttpStatusCode.Forbidden);
        }
        using (var tech = await gw.SignInAsync("tech"))
            Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(tech, "api/v1/meters/w-h01/usage?from=2026-01-01T00:00:00Z&to=2100-01-01T00:00:00Z"));
        foreach (var name in new[] { "amina", "tech", "admin" })
        {
            using var other = await gw.SignInAsync(name);
            Assert.Equal(HttpStatusCode.Forbidden, await StatusOfGetAsync(other, "api/v1/households/h01"));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusOfGetAsync(other, "api/v1/households/h01/allowance?resource=water"));
        }
    }

    [Fact]
    public async Task MetersAndRegistration_AreForTechnicians_AndBadBodiesChangeNothing()
    {
        using var tech = await gw.SignInAsync("tech");
        using (var r = await tech.PostJsonAsync("api/v1/meters", new { id = "w-new", community = "demo", resource = "water" }))
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        // The gateway's log reaches the test through a pipe: give it a moment.
        Assert.True(await DashboardGateway.EventuallyAsync(() => Task.FromResult(gw.Process.Output.Contains("registered in demo as water by tech")),
            TimeSpan.FromSeconds(5)), "registration not logged with its actor");
        var count = (await tech.GetFromJsonAsync<JsonElement>("api/v1/meters")).GetArrayLength();
        using (var r = await tech.PostRawAsync("api/v1/meters", "{\"id\":")) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await tech.PostRawAsync("api/v1/meters", "{\"id\":\"w-big\",\"community\":\"demo\",\"resource\":\"water\",\"pad\":\"" + new string('x', 20_000) + "\"}"))
            await ProblemAsync(r, HttpStatusCode.RequestEntityTooLarge);
        using (var r = await tech.PostJsonAsync("api/v1/meters", new { id = "w-bad", community = "demo", resource = "gas" })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using var council = await gw.SignInAsync("amina");
        using (var r = await council.PostJsonAsync("api/v1/meters", new { id = "w-council", community = "demo", resource = "water" })) await ProblemAsync(r, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfGetAsync(council, "api/v1/meters"));
        Assert.Equal(count, (await tech.GetFromJsonAsync<JsonElement>("api/v1/meters")).GetArrayLength());
    }

    [Fact]
    public async Task Devices_ShowStatusWithoutRegisters_ToOperationsRoles()
    {
        await gw.PublishReadingAsync("w-h02", 1, DateTimeOffset.UtcNow, ("main", 5));
        foreach (var name in new[] { "tech", "amina", "admin" })
        {
            using var http = await gw.SignInAsync(name);
            JsonElement devices = default;
            Assert.True(await DashboardGateway.EventuallyAsync(async () =>
            {
                devices = await http.GetFromJsonAsync<JsonElement>("api/v1/devices");
                return devices.EnumerateArray().Any(d => d.GetProperty("id").GetString() == "w-h02");
            }, TimeSpan.FromSeconds(10)));
            var d = devices.EnumerateArray().First(d => d.GetProperty("id").GetString() == "w-h02");
            Assert.True(d.TryGetProperty("online", out _) && d.TryGetProperty("firmware", out _) && d.TryGetProperty("outboxDepth", out _) && d.TryGetProperty("batteryMv", out _));
            Assert.DoesNotContain("register", devices.GetRawText(), StringComparison.OrdinalIgnoreCase);
        }
    }

    [Fact]
    public async Task BreakersAndCommands_ForOperations_WithLimitsChecked()
    {
        using var tech = await gw.SignInAsync("tech");
        var breakers = await tech.GetFromJsonAsync<JsonElement>("api/v1/breakers");
        Assert.Contains(breakers.EnumerateArray(), b => b.GetProperty("meter").GetString() == "w-h01" && b.GetProperty("channel").GetString() == "kitchen");
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(tech, "api/v1/commands?limit=10"));
        using (var r = await tech.GetAsync("api/v1/commands?limit=0")) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await tech.GetAsync("api/v1/audit?limit=5000")) await ProblemAsync(r, HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task Commands_SayTheirAmountsInTheMetersUnits_AndKeepThemRaw()
    {
        using var tech = await gw.SignInAsync("tech");
        await gw.PublishReadingAsync("w-h02", 1, DateTimeOffset.UtcNow, ("main", 5));
        JsonElement allowance = default;
        Assert.True(await DashboardGateway.EventuallyAsync(async () =>
        {
            var commands = await tech.GetFromJsonAsync<JsonElement>("api/v1/commands?limit=200");
            allowance = commands.EnumerateArray().FirstOrDefault(c => c.GetProperty("meter").GetString() == "w-h02" && c.GetProperty("op").GetString() == "allowance");
            return allowance.ValueKind == JsonValueKind.Object;
        }, TimeSpan.FromSeconds(10)), "no allowance command was sent to w-h02");
        var limit = allowance.GetProperty("amounts").GetProperty("limit");
        Assert.Equal("mL", limit.GetProperty("unit").GetString());
        Assert.Equal(86_400, allowance.GetProperty("amounts").GetProperty("periodS").GetInt64());
        // The detail says the same limit in litres per day, never "per 86400 s".
        var detail = allowance.GetProperty("detail").GetString()!;
        Assert.Contains(" L per day", detail);
        Assert.Contains(Commons.Metering.Gateway.Dashboard.Amounts.Human(limit.GetProperty("value").GetInt64(), Commons.Metering.Gateway.Domain.Resource.Water), detail);
        Assert.DoesNotContain("86400", detail);
    }

    [Fact]
    public async Task Audit_IsVisibleToEveryRole_WithItsVerification()
    {
        using var member = await gw.SignInAsync("member-h02");
        var audit = await member.GetFromJsonAsync<JsonElement>("api/v1/audit?limit=20");
        Assert.True(audit.GetProperty("verification").GetProperty("ok").GetBoolean(), audit.GetRawText());
        Assert.Equal(JsonValueKind.Array, audit.GetProperty("records").ValueKind);
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(member, "api/v1/proposals"));
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(member, "api/v1/policy"));
    }

    [Fact]
    public async Task OpenApiDocument_AndDashboardPages_AreServedByTheGateway()
    {
        using var http = gw.Anonymous();
        var doc = await http.GetFromJsonAsync<JsonElement>("openapi/v1.json");
        var paths = doc.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        foreach (var p in new[] { "/api/v1/overview", "/api/v1/households/{id}", "/api/v1/proposals", "/api/v1/breakers/{id}/reset", "/api/v1/accounts", "/api/v1/events", "/api/v1/session" })
            Assert.Contains(p, paths);
        using var page = await http.GetAsync("dashboard/");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        foreach (var asset in new[] { "core.js", "charts.js", "pages.js", "policy.js", "accounts.js", "style.css" })
            Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(http, "dashboard/" + asset));
        using var missing = await http.GetAsync("dashboard/nope.js");
        await ProblemAsync(missing, HttpStatusCode.NotFound);
    }
}
