using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using static Commons.Metering.Dashboard.Tests.Api.ApiAssert;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>/api/v1/session and /api/v1/accounts against the real gateway: sign-in, tokens, who may
/// manage accounts, and that secrets are stored only as hashes.</summary>
[Trait("Category", "Integration")]
public sealed class SessionAndAccountsApiTests(PolicyGateway gw) : IClassFixture<PolicyGateway>
{
    [Fact]
    public async Task SignIn_WithTheRightPassword_SetsAnHttpOnlyStrictCookie_AndSessionSaysWhoAndWhichRole()
    {
        using var anonymous = gw.Anonymous();
        using var r = await anonymous.PostJsonAsync("api/v1/session", new { name = "member-h01", password = gw.Password("member-h01") });
        var body = await OkJsonAsync(r);
        Assert.Equal("member", body.GetProperty("role").GetString());
        var cookie = Assert.Single(r.Headers.GetValues("Set-Cookie"));
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);

        using var http = await gw.SignInAsync("member-h01");
        var me = await http.GetFromJsonAsync<JsonElement>("api/v1/session");
        Assert.Equal(("member-h01", "member", "h01"), (me.GetProperty("name").GetString(), me.GetProperty("role").GetString(), me.GetProperty("household").GetString()));
        using (await http.DeleteJsonAsync("api/v1/session")) { }
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfGetAsync(http, "api/v1/session"));
    }

    [Fact]
    public async Task SignIn_BadInput_GetsTheRight4xx()
    {
        using var http = gw.Anonymous();
        using (var wrong = await http.PostJsonAsync("api/v1/session", new { name = "tech", password = "not-the-password" }))
            Assert.Equal("Wrong name or password.", await ProblemAsync(wrong, HttpStatusCode.Unauthorized));
        using (var unknown = await http.PostJsonAsync("api/v1/session", new { name = "nobody", password = "whatever1" }))
            Assert.Equal("Wrong name or password.", await ProblemAsync(unknown, HttpStatusCode.Unauthorized));
        using (var malformed = await http.PostRawAsync("api/v1/session", "{\"name\": "))
            Assert.Contains("not valid JSON", await ProblemAsync(malformed, HttpStatusCode.BadRequest));
        using (var form = await http.PostRawAsync("api/v1/session", "name=tech&password=x", "application/x-www-form-urlencoded"))
            await ProblemAsync(form, HttpStatusCode.UnsupportedMediaType);
        using (var missing = await http.PostJsonAsync("api/v1/session", new { name = "tech" }))
            await ProblemAsync(missing, HttpStatusCode.BadRequest);
        using (var huge = await http.PostJsonAsync("api/v1/session", new { name = "tech", password = new string('x', 40_000) }))
            await ProblemAsync(huge, HttpStatusCode.RequestEntityTooLarge);
        using (var none = await http.GetAsync("api/v1/session")) await ProblemAsync(none, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task ApiToken_ActsWithItsAccountsRole_UntilRevoked_AndAWrongTokenIs401()
    {
        var (token, client) = await gw.TokenClientAsync("tech");
        using (client)
        {
            Assert.StartsWith("mtk_", token);
            Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(client, "api/v1/meters"));
            Assert.Equal(HttpStatusCode.Forbidden, await StatusOfGetAsync(client, "api/v1/accounts"));
            using var admin = await gw.SignInAsync("admin");
            var tech = (await admin.GetFromJsonAsync<JsonElement>("api/v1/accounts")).EnumerateArray().Single(a => a.GetProperty("name").GetString() == "tech");
            var id = tech.GetProperty("tokens").EnumerateArray().Last().GetProperty("id").GetString();
            using (var revoke = await admin.DeleteJsonAsync($"api/v1/accounts/tech/tokens/{id}")) Assert.Equal(HttpStatusCode.NoContent, revoke.StatusCode);
            using var after = await client.GetAsync("api/v1/meters");
            Assert.Contains("revoked or mistyped", await ProblemAsync(after, HttpStatusCode.Unauthorized));
        }
        using var wrong = gw.Anonymous();
        wrong.DefaultRequestHeaders.Authorization = new("Bearer", "mtk_wrong");
        using var r = await wrong.GetAsync("api/v1/overview");
        await ProblemAsync(r, HttpStatusCode.Unauthorized);
        Assert.Equal("Bearer", r.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task Administrator_CreatesAMember_WhoSignsInWithTheGeneratedPassword_AndTheChangeIsAudited()
    {
        using var admin = await gw.SignInAsync("admin");
        using var created = await admin.PostJsonAsync("api/v1/accounts", new { name = "dora", role = "member", household = "h02" });
        var body = await OkJsonAsync(created, HttpStatusCode.Created);
        var password = body.GetProperty("generatedPassword").GetString()!;
        using var dora = gw.Anonymous();
        using (var r = await dora.PostJsonAsync("api/v1/session", new { name = "dora", password })) Assert.Equal(HttpStatusCode.OK, r.StatusCode);

        var audit = await File.ReadAllTextAsync(Path.Combine(gw.Process.DataDirectory, "accounts-audit.jsonl"));
        Assert.Contains("\"actor\":\"admin\",\"action\":\"create\",\"target\":\"dora\"", audit);
        var file = await File.ReadAllTextAsync(Path.Combine(gw.Process.DataDirectory, "accounts.json"));
        Assert.DoesNotContain(password, file);
        Assert.DoesNotContain(gw.Password("admin"), file);
        Assert.DoesNotContain(password, gw.Process.Output);
    }

    [Fact]
    public async Task Accounts_BadInputAndWrongRoles_GetTheRight4xx_AndChangeNothing()
    {
        using var admin = await gw.SignInAsync("admin");
        var before = (await admin.GetFromJsonAsync<JsonElement>("api/v1/accounts")).GetArrayLength();
        using (var r = await admin.PostJsonAsync("api/v1/accounts", new { name = "eve", role = "member", household = "h99" }))
            Assert.Contains("no household 'h99'", await ProblemAsync(r, HttpStatusCode.BadRequest));
        using (var r = await admin.PostJsonAsync("api/v1/accounts", new { name = "eve", role = "mayor" })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await admin.PostJsonAsync("api/v1/accounts", new { name = "eve", role = "council", household = "h01" }))
            Assert.Contains("Only a member account", await ProblemAsync(r, HttpStatusCode.BadRequest));
        using (var r = await admin.PostJsonAsync("api/v1/accounts", new { name = "Eve Smith", role = "council" })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await admin.PostJsonAsync("api/v1/accounts", new { name = "amina", role = "council" })) await ProblemAsync(r, HttpStatusCode.Conflict);
        using (var r = await admin.PostJsonAsync("api/v1/accounts", new { name = "eve", role = "council", password = "short" })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await admin.DeleteJsonAsync("api/v1/accounts/admin")) Assert.Contains("last administrator", await ProblemAsync(r, HttpStatusCode.Conflict));
        using (var r = await admin.DeleteJsonAsync("api/v1/accounts/nobody")) await ProblemAsync(r, HttpStatusCode.NotFound);
        using var council = await gw.SignInAsync("amina");
        using (var r = await council.PostJsonAsync("api/v1/accounts", new { name = "eve", role = "council" })) await ProblemAsync(r, HttpStatusCode.Forbidden);
        using (var r = await council.PostJsonAsync("api/v1/accounts/tech/tokens", new { label = "x" })) await ProblemAsync(r, HttpStatusCode.Forbidden);
        Assert.Equal(HttpStatusCode.Forbidden, await StatusOfGetAsync(council, "api/v1/accounts"));
        Assert.Equal(before, (await admin.GetFromJsonAsync<JsonElement>("api/v1/accounts")).GetArrayLength());
    }

    [Fact]
    public async Task PasswordChangeAndRemoval_EndTheOldSessions()
    {
        using var admin = await gw.SignInAsync("admin");
        using (var created = await admin.PostJsonAsync("api/v1/accounts", new { name = "frank", role = "technician", password = "first-password" }))
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        using var frank = new HttpClient(new HttpClientHandler { CookieContainer = new() }) { BaseAddress = gw.BaseUrl };
        using (var r = await frank.PostJsonAsync("api/v1/session", new { name = "frank", password = "first-password" })) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var r = await frank.PutAsJsonAsync("api/v1/accounts/frank/password", new { currentPassword = "first-password", password = "short" })) await ProblemAsync(r, HttpStatusCode.BadRequest);
        using (var r = await frank.PutAsJsonAsync("api/v1/accounts/frank/password", new { password = "second-password" }))
            Assert.Contains("current password", await ProblemAsync(r, HttpStatusCode.Forbidden));
        using (var r = await frank.PutAsJsonAsync("api/v1/accounts/admin/password", new { password = "taken-over-now" })) await ProblemAsync(r, HttpStatusCode.Forbidden);
        using (var r = await frank.DeleteJsonAsync("api/v1/accounts/frank/tokens/nope")) await ProblemAsync(r, HttpStatusCode.NotFound);
        using (var r = await frank.PutAsJsonAsync("api/v1/accounts/frank/password", new { currentPassword = "first-password", password = "second-password" })) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfGetAsync(frank, "api/v1/session"));

        // Removing the account ends its sessions too.
        using var again = new HttpClient(new HttpClientHandler { CookieContainer = new() }) { BaseAddress = gw.BaseUrl };
        using (var r = await again.PostJsonAsync("api/v1/session", new { name = "frank", password = "second-password" })) Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        using (var r = await admin.DeleteJsonAsync("api/v1/accounts/frank")) Assert.Equal(HttpStatusCode.NoContent, r.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfGetAsync(again, "api/v1/session"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfGetAsync(again, "api/v1/events"));
    }
}
