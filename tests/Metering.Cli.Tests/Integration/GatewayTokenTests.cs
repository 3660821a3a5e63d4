using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests.Integration;

/// <summary>Once the gateway has accounts, its API wants a technician's token: provision says so
/// without one (401, exit code for a gateway error), fails with a council token (403), and works
/// with METERING_API_TOKEN set to a technician's token; so does the commission ping.</summary>
[Trait("Category", "Integration")]
public sealed class GatewayTokenTests
{
    internal const string AdminPassword = "passphrase-for-gateway-tests";

    [Fact]
    public async Task Provision_WithATechniciansToken_Registers_WithoutOne_SaysWhatIsMissing()
    {
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Auth__Administrator"] = "admin";
        gw.Environment["Metering__Auth__AdministratorPassword"] = AdminPassword;
        gw.Start();
        using var work = new TempDir("cli-token");
        var techToken = await TokenOfNewAccountAsync(gw.BaseUrl, "tech1", "technician");
        var councilToken = await TokenOfNewAccountAsync(gw.BaseUrl, "council1", "council");

        var without = Provision(work.Path, gw, "w-0001", null);
        Assert.Equal(ExitCodes.GatewayError, without.ExitCode);
        Assert.Contains("401", without.Stderr);
        Assert.Contains("METERING_API_TOKEN", without.Stderr);

        var council = Provision(work.Path, gw, "w-0002", councilToken);
        Assert.Equal(ExitCodes.GatewayError, council.ExitCode);
        Assert.Contains("403", council.Stderr);

        var tech = Provision(work.Path, gw, "w-0003", techToken);
        Assert.True(tech.ExitCode == 0, tech.ToString());
        using var http = new HttpClient { BaseAddress = gw.BaseUrl };
        http.DefaultRequestHeaders.Authorization = new("Bearer", techToken);
        var meters = await http.GetFromJsonAsync<JsonElement>("api/v1/meters");
        var ids = meters.EnumerateArray().Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(["w-0003"], ids);

        // The commission ping through the gateway: a technician's token, never a council's.
        var councilPing = CommissionCheck(work.Path, gw, "w-0003", councilToken);
        Assert.Equal(ExitCodes.GatewayError, councilPing.ExitCode);
        Assert.Contains("403", councilPing.Stderr);
        var techPing = CommissionCheck(work.Path, gw, "w-0003", techToken); // provisioned, never powered: no ack
        Assert.True(techPing.ExitCode == ExitCodes.NotSeen, techPing.ToString());
        Assert.Contains("never heard from it", techPing.Stderr);
    }

    [Fact]
    public async Task TokenCommand_SignsIn_AndPrintsATokenThatProvisionAccepts()
    {
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Auth__Administrator"] = "admin";
        gw.Environment["Metering__Auth__AdministratorPassword"] = AdminPassword;
        gw.Start();
        using var work = new TempDir("cli-token-command");
        using var admin = await SignInAsync(gw.BaseUrl, "admin", AdminPassword);
        using var created = await admin.PostAsJsonAsync("api/v1/accounts", new { name = "tech2", role = "technician" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var password = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("generatedPassword").GetString()!;

        var wrong = CliProcess.Run(work.Path, new Dictionary<string, string> { ["METERING_PASSWORD"] = password + "x" },
            "token", "--gateway", gw.BaseUrl.ToString(), "--name", "tech2");
        Assert.Equal(ExitCodes.GatewayError, wrong.ExitCode);
        Assert.Contains("sign-in refused: 401", wrong.Stderr);

        var made = CliProcess.Run(work.Path, new Dictionary<string, string> { ["METERING_PASSWORD"] = password },
            "token", "--gateway", gw.BaseUrl.ToString(), "--name", "tech2", "--label", "field laptop", "--days", "7");
        Assert.True(made.ExitCode == 0, made.ToString());
        var token = made.Stdout.Trim();
        Assert.StartsWith("mtk_", token);
        Assert.DoesNotContain(password, made.Stdout + made.Stderr);
        var tech = Provision(work.Path, gw, "w-0004", token);
        Assert.True(tech.ExitCode == 0, tech.ToString());
    }

    private static CliProcess.Result CommissionCheck(string dir, GatewayProcess gw, string meter, string token) =>
        CliProcess.Run(dir, new Dictionary<string, string> { ["METERING_API_TOKEN"] = token },
            "commission", "check", "--community", "riverside", "--meter", meter, "--gateway", gw.BaseUrl.ToString(), "--timeout-s", "1");

    private static CliProcess.Result Provision(string dir, GatewayProcess gw, string meter, string? token) =>
        CliProcess.Run(dir, token is null ? null : new Dictionary<string, string> { ["METERING_API_TOKEN"] = token },
            "provision", "--meter", meter, "--community", "riverside", "--resource", "water", "--broker", $"127.0.0.1:{gw.BrokerPort}",
            "--wifi-ssid", "riverside-mesh", "--wifi-password", "riverside-passphrase", "--registry", Path.Combine(dir, "registry.json"),
            "--gateway", gw.BaseUrl.ToString());

    /// <summary>The administrator creates the account; the account signs in and creates its own token.</summary>
    internal static async Task<string> TokenOfNewAccountAsync(Uri baseUrl, string name, string role)
    {
        using var admin = await SignInAsync(baseUrl, "admin", AdminPassword);
        using var created = await admin.PostAsJsonAsync("api/v1/accounts", new { name, role });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var password = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("generatedPassword").GetString()!;
        using var account = await SignInAsync(baseUrl, name, password);
        using var token = await account.PostAsJsonAsync($"api/v1/accounts/{name}/tokens", new { label = "cli" });
        Assert.Equal(HttpStatusCode.Created, token.StatusCode);
        return (await token.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }

    private static async Task<HttpClient> SignInAsync(Uri baseUrl, string name, string password)
    {
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = baseUrl };
        using var r = await http.PostAsJsonAsync("api/v1/session", new { name, password });
        Assert.True(r.IsSuccessStatusCode, $"sign-in of {name}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return http;
    }
}
