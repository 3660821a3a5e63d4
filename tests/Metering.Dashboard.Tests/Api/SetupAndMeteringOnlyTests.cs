using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Testing;
using static Commons.Metering.Dashboard.Tests.Api.ApiAssert;

namespace Commons.Metering.Dashboard.Tests.Api;

/// <summary>Gateways in other configurations: no account yet (the first slice's endpoints stay open
/// to loopback until the first account), a configured first administrator, no policy (metering only),
/// and sign-in throttling.</summary>
[Trait("Category", "Integration")]
public sealed class SetupAndMeteringOnlyTests
{
    [Fact]
    public async Task WithoutAnyAccount_TheFirstSlicesEndpointsStayOpenOnLoopback_ButTheDashboardApiIsClosed()
    {
        using var gw = new DashboardGateway(0, policy: true, demoAccounts: false);
        using var http = gw.Anonymous();
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(http, "api/v1/meters"));
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(http, "api/v1/policy"));
        Assert.Equal(HttpStatusCode.OK, await StatusOfGetAsync(http, "api/v1/households/h01/allowance?resource=water"));
        Assert.Equal(HttpStatusCode.Unauthorized, await StatusOfGetAsync(http, "api/v1/overview"));
        Assert.Contains("no dashboard account yet", gw.Process.Output);
    }

    [Fact]
    public async Task ConfiguredAdministrator_IsCreatedAtStart_AndClosesTheOpenEndpoints()
    {
        using var process = new GatewayProcess();
        process.Environment["Metering__Auth__Administrator"] = "root";
        process.Environment["Metering__Auth__AdministratorPassword"] = "correct horse battery";
        process.Start();
        DashboardGateway.WaitForStartupLines(process);
        using var http = new HttpClient(new HttpClientHandler { CookieContainer = new() }) { BaseAddress = process.BaseUrl };
        using (var r = await http.GetAsync("api/v1/meters")) await ProblemAsync(r, HttpStatusCode.Unauthorized);
        using (var r = await http.PostJsonAsync("api/v1/session", new { name = "root", password = "correct horse battery" }))
            Assert.Equal("administrator", (await OkJsonAsync(r)).GetProperty("role").GetString());
        Assert.DoesNotContain("correct horse battery", process.Output);
        Assert.Contains("Metering:Auth:AdministratorPassword = ***", process.Output);
    }

    [Fact]
    public void InvalidAuthConfiguration_StopsTheGatewayWithOneClearMessage()
    {
        using var process = new GatewayProcess();
        process.Environment["Metering__Auth__Administrator"] = "root";
        process.Environment["Metering__Auth__AdministratorPassword"] = "short";
        Assert.Equal(2, process.RunToExit());
        Assert.Contains("Metering:Auth:AdministratorPassword is needed when Metering:Auth:Administrator is set, and 'password' must have at least 10 characters", process.Output);
    }

    [Fact]
    public async Task WithoutPolicy_TheDashboardShowsMeteringOnly()
    {
        using var gw = new DashboardGateway(3, policy: false, demoAccounts: true);
        using var tech = await gw.SignInAsync("tech");
        JsonElement overview = default;
        Assert.True(await DashboardGateway.EventuallyAsync(async () =>
        {
            overview = await tech.GetFromJsonAsync<JsonElement>("api/v1/overview");
            return overview.GetProperty("devicesTotal").GetInt32() == 3;
        }, TimeSpan.FromSeconds(15)), overview.GetRawText());
        Assert.False(overview.GetProperty("hasPolicy").GetBoolean());
        Assert.Equal(3, (await tech.GetFromJsonAsync<JsonElement>("api/v1/devices")).GetArrayLength());
        foreach (var path in new[] { "api/v1/breakers", "api/v1/proposals", "api/v1/audit", "api/v1/commands", "api/v1/policy" })
        {
            using var r = await tech.GetAsync(path);
            Assert.Contains("No policy is configured", await ProblemAsync(r, HttpStatusCode.NotFound));
        }
        using var council = await gw.SignInAsync("council");
        using (var r = await council.PostJsonAsync("api/v1/emergency", new { reason = "x", hours = 1 })) await ProblemAsync(r, HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task RepeatedFailedSignIns_AreSlowedDown_AndCountedInMetrics()
    {
        using var gw = new DashboardGateway(0, policy: false, demoAccounts: true);
        using var http = gw.Anonymous();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 7; i++)
        {
            using var r = await http.PostJsonAsync("api/v1/session", new { name = "tech", password = "guess-" + i });
            statuses.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests) Assert.NotNull(r.Headers.RetryAfter);
        }
        // AuthDefaults.FreeFailures = 5 wrong passwords, then the next attempt must wait.
        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 5), statuses.Take(5));
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[5]);
        using (var locked = await http.PostJsonAsync("api/v1/session", new { name = "tech", password = gw.Password("tech") }))
            await ProblemAsync(locked, HttpStatusCode.TooManyRequests);
        var metrics = await http.GetStringAsync("metrics");
        Assert.Contains("metering_signin_total{outcome=\"failed\"} 5", metrics);
        Assert.Contains("metering_signin_total{outcome=\"throttled\"} 3", metrics);
        Assert.DoesNotContain("guess-", gw.Process.Output);
    }
}
