using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Commons.Metering.Dashboard.Tests.Api.ApiAssert;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>An administrator manages accounts but cannot act as anyone: minting a token for a council
/// member (then voting with it, reading a household with a member's) is refused, and resetting a
/// council member's password is written to the policy audit chain and opens a session that cannot vote
/// until the owner has chosen a password of their own.</summary>
[Trait("Category", "Integration")]
public sealed class AdministratorPowersTests(PolicyGateway gw) : IClassFixture<PolicyGateway>
{
    [Fact]
    public async Task AnAdministrator_CannotMintATokenForAnotherAccount()
    {
        using var admin = await gw.SignInAsync("admin");
        foreach (var victim in new[] { "amina", "member-h02", "tech" })
        {
            using var r = await admin.PostJsonAsync($"api/v1/accounts/{victim}/tokens", new { label = "takeover" });
            Assert.Contains($"only '{victim}' may create one", await ProblemAsync(r, HttpStatusCode.Forbidden));
        }
        var accounts = (await admin.GetFromJsonAsync<JsonElement>("api/v1/accounts")).EnumerateArray();
        Assert.All(accounts.Where(a => a.GetProperty("name").GetString() != "admin"), a => Assert.Empty(a.GetProperty("tokens").EnumerateArray()));
        // Its own token works, for the administrator's own role only.
        var (_, adminToken) = await gw.TokenClientAsync("admin");
        using (adminToken) Assert.Equal(HttpStatusCode.Forbidden, await StatusOfGetAsync(adminToken, "api/v1/households/h02"));
    }

    [Fact]
    public async Task APasswordReset_IsInTheAuditChain_AndTheResetSessionCannotVote_UntilTheOwnerChoosesTheirOwn()
    {
        using var bruno = await gw.SignInAsync("bruno");
        var id = (await OkJsonAsync(await bruno.PostJsonAsync("api/v1/proposals",
            new { yaml = ActsApiTests.RaisedWaterCap, effectiveAt = DateTimeOffset.UtcNow.AddSeconds(-1) }))).GetProperty("id").GetString()!;
        using var admin = await gw.SignInAsync("admin");
        using (var r = await admin.PutAsJsonAsync("api/v1/accounts/amina/password", new { password = "admin-knows-this" }))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);

        // The administrator signs in as amina with the password it set: the session may not vote.
        using var takeover = new HttpClient(new HttpClientHandler { CookieContainer = new() }) { BaseAddress = gw.BaseUrl };
        var signedIn = await OkJsonAsync(await takeover.PostJsonAsync("api/v1/session", new { name = "amina", password = "admin-knows-this" }));
        Assert.Equal("admin", signedIn.GetProperty("passwordResetBy").GetString());
        using (var r = await takeover.PostEmptyAsync($"api/v1/proposals/{id}/approve"))
            Assert.Contains("choose your own", await ProblemAsync(r, HttpStatusCode.Forbidden));
        using (var r = await takeover.PostJsonAsync("api/v1/accounts/amina/tokens", new { label = "x" })) await ProblemAsync(r, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfGetAsync(takeover, "api/v1/overview"));
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(takeover, "api/v1/session"));
        var proposal = (await bruno.GetFromJsonAsync<JsonElement>("api/v1/proposals")).EnumerateArray().Single(p => p.GetProperty("id").GetString() == id);
        Assert.Equal(["bruno"], proposal.GetProperty("approvals").EnumerateArray().Select(a => a.GetString()));
        Assert.Equal("pending", proposal.GetProperty("state").GetString());

        // The community sees the reset in the hash-chained audit log.
        var audit = await bruno.GetFromJsonAsync<JsonElement>("api/v1/audit?limit=50");
        Assert.True(audit.GetProperty("verification").GetProperty("ok").GetBoolean());
        var reset = audit.GetProperty("records").EnumerateArray().Single(r => r.GetProperty("kind").GetString() == "account.password_reset");
        Assert.Equal(("admin", "administrator"), (reset.GetProperty("actor").GetString(), reset.GetProperty("role").GetString()));
        Assert.Contains("\"account\":\"amina\"", reset.GetProperty("payload").GetString());

        // The owner (who got the password from the administrator) chooses her own: the reset session
        // ends, and a fresh sign-in with her own password votes.
        using (var r = await takeover.PutAsJsonAsync("api/v1/accounts/amina/password", new { currentPassword = "admin-knows-this", password = "her-own-river-words" }))
            Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfGetAsync(takeover, "api/v1/session"));
        using var amina = new HttpClient(new HttpClientHandler { CookieContainer = new() }) { BaseAddress = gw.BaseUrl };
        using (var r = await amina.PostJsonAsync("api/v1/session", new { name = "amina", password = "her-own-river-words" })) await OkJsonAsync(r);
        using (var r = await amina.PostEmptyAsync($"api/v1/proposals/{id}/approve")) await OkJsonAsync(r);
    }

    [Fact]
    public async Task PasswordChanges_NeedTheCurrentPassword_EvenWithAToken_AndRevokeTheTokens()
    {
        var (_, token) = await gw.TokenClientAsync("chen");
        using (token)
        {
            using (var r = await token.PutAsJsonAsync("api/v1/accounts/chen/password", new { password = "stolen-token-owns-it" }))
                await ProblemAsync(r, HttpStatusCode.Forbidden);
            using (var r = await token.PutAsJsonAsync("api/v1/accounts/chen/password", new { currentPassword = gw.Password("chen"), password = "12345678" }))
                Assert.Contains("at least 10", await ProblemAsync(r, HttpStatusCode.BadRequest));
            using (var r = await token.PutAsJsonAsync("api/v1/accounts/chen/password", new { currentPassword = gw.Password("chen"), password = "1234567890" }))
                Assert.Contains("attackers try first", await ProblemAsync(r, HttpStatusCode.BadRequest));
            Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(token, "api/v1/overview"));
            using (var r = await token.PutAsJsonAsync("api/v1/accounts/chen/password", new { currentPassword = gw.Password("chen"), password = "chen-chose-anew" }))
                Assert.Contains("account's name", await ProblemAsync(r, HttpStatusCode.BadRequest));
            using (var r = await token.PutAsJsonAsync("api/v1/accounts/chen/password", new { currentPassword = gw.Password("chen"), password = "a new long phrase" }))
                Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
            // The token was made by whoever held the old password: it stops working.
            Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfGetAsync(token, "api/v1/overview"));
        }
    }

    [Fact]
    public async Task ACookieReplayedAfterSignOut_IsRefused()
    {
        var jar = new CookieContainer();
        using var member = new HttpClient(new HttpClientHandler { CookieContainer = jar }) { BaseAddress = gw.BaseUrl };
        using (var r = await member.PostJsonAsync("api/v1/session", new { name = "member-h01", password = gw.Password("member-h01") })) await OkJsonAsync(r);
        var cookie = jar.GetCookieHeader(gw.BaseUrl);
        Assert.Contains("metering_session=", cookie);
        using var replay = gw.Anonymous();
        replay.DefaultRequestHeaders.Add("Cookie", cookie);
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(replay, "api/v1/households/h01"));
        using (var r = await member.DeleteJsonAsync("api/v1/session")) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfGetAsync(replay, "api/v1/households/h01"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfGetAsync(replay, "api/v1/session"));
    }
}
