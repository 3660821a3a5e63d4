using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Gateway;

namespace Commons.Metering.Tests.Region;

/// <summary>Two built gateways as real processes on loopback: a region (river-a) and a community
/// (riverside, Policy/examples/village.yaml) reporting to it. The delegated cap reaches the
/// household allowances; with the region down the reports queue, and after it returns they arrive and
/// the region counts exactly the community's use.</summary>
[Trait("Category", "Integration")]
public sealed partial class TwoGatewayRegionTests : IDisposable
{
    private const string Token = "riverside-upstream-token";
    private const string HillsideToken = "hillside-upstream-token";
    private readonly string _dir = Directory.CreateTempSubdirectory("region-it-").FullName;

    private static string VillageYaml()
    {
        return File.ReadAllText(RepoPaths.Of("gateway", "Metering.Policy", "examples", "village.yaml"));
    }

    private static string Reading(long seq, long tsMs, params (string Channel, long Register)[] channels) =>
        $"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs},\"ch\":[" +
        string.Join(",", channels.Select(c => $"{{\"n\":\"{c.Channel}\",\"u\":\"mL\",\"reg\":{c.Register}}}")) + "]}";

    internal static async Task<JsonElement> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Polls until <paramref name="ok"/> holds (real processes, real clocks), failing with what was last seen.
    /// The region tests share these helpers (ThreeCommunityDroughtTests too).</summary>
    internal static async Task<JsonElement> UntilAsync(HttpClient http, string path, Func<JsonElement, bool> ok, string what, GatewayProcess gw)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(45);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            last = await GetAsync(http, path);
            if (ok(last)) return last;
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"{what}: last {path} was {last}\n{gw.Output}");
    }

    internal static JsonElement Water(JsonElement region) =>
        region.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("resource").GetString() == "water");

    internal static JsonElement Member(JsonElement region, string id) =>
        Water(region).GetProperty("communities").EnumerateArray().Single(c => c.GetProperty("id").GetString() == id);

    private static long? Used(JsonElement region) =>
        Member(region, "riverside").GetProperty("used") is { ValueKind: JsonValueKind.Number } u ? u.GetInt64() : null;

    [Fact]
    public async Task CommunityReportsToItsRegion_TheCapComesDown_AndReportsQueuedWhileTheRegionIsDownArriveExactlyOnce()
    {
        var policyPath = Path.Combine(_dir, "village.yaml");
        File.WriteAllText(policyPath, VillageYaml());
        using var region = new GatewayProcess();
        region.Environment["Metering__Region__Id"] = "river-a";
        region.Environment["Metering__Region__UtcOffset"] = "+03:00";
        region.Environment["Metering__Region__Communities__0__Id"] = "riverside";
        region.Environment["Metering__Region__Communities__0__TokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Token)));
        region.Environment["Metering__Region__Communities__1__Id"] = "hillside";
        region.Environment["Metering__Region__Communities__1__TokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(HillsideToken)));
        // 1,000 L a day for the valley: riverside's 12 persons need 600 L; while hillside has not reported, the rest is riverside's.
        region.Environment["Metering__Region__Resources__water__Period"] = "day";
        region.Environment["Metering__Region__Resources__water__BudgetPerPeriod"] = "1000000";
        region.Environment["Metering__Region__Resources__water__NeedPerPersonPerPeriod"] = "50000";
        // The regional council: two of the delegates amina, bruno, chen. Their accounts on the region's gateway are
        // the demo sign-ins of a policy whose council they are (Auth/AccountSeeding.cs prints the passwords).
        var office = Path.Combine(_dir, "office.yaml");
        File.WriteAllText(office, VillageYaml().Replace("community: riverside", "community: river-a-office", StringComparison.Ordinal));
        region.Environment["Metering__Policy__File"] = office;
        region.Environment["Metering__Auth__DemoAccounts"] = "true";
        region.Environment["Metering__Region__Council__K"] = "2";
        region.Environment["Metering__Region__Council__Members__0"] = "amina";
        region.Environment["Metering__Region__Council__Members__1"] = "bruno";
        region.Environment["Metering__Region__Council__Members__2"] = "chen";
        region.Start();

        using var community = new GatewayProcess();
        community.Environment["Metering__Policy__File"] = policyPath;
        community.Environment["Metering__Registry__AutoRegister"] = "true";
        community.Environment["Metering__Upstream__Url"] = region.BaseUrl.ToString();
        community.Environment["Metering__Upstream__Token"] = Token;
        community.Environment["Metering__Upstream__ReportIntervalSeconds"] = "1";
        community.Environment["Metering__Upstream__RetryMinSeconds"] = "1";
        community.Environment["Metering__Upstream__RetryMaxSeconds"] = "1";
        community.Start();
        Assert.Contains("Metering:Upstream:Token = ***", community.Output);
        Assert.DoesNotContain(Token, community.Output);
        // Accounts exist on the region, so its aggregates are for those signed in: chen, a delegate, reads them.
        using var regionHttp = await SignInAsync(region, "chen");
        using var communityHttp = community.CreateHttpClient();

        // Stay inside one village day (UTC+3), as PolicyApiTests does: the clocks are real.
        var local = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(3)).TimeOfDay;
        if (local > new TimeSpan(23, 58, 0)) await Task.Delay(TimeSpan.FromDays(1) - local + TimeSpan.FromSeconds(30));
        else if (local < TimeSpan.FromSeconds(30)) await Task.Delay(TimeSpan.FromSeconds(30) - local);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var wh01 = new TestDevice("riverside", "w-h01", community.BrokerPort))
        {
            await wh01.PublishAsync("reading", Reading(1, now - 540_000, ("kitchen", 5_000), ("garden", 700)));
            await wh01.PublishAsync("reading", Reading(2, now - 360_000, ("kitchen", 125_000), ("garden", 30_700)));
        }
        await UntilAsync(regionHttp, "/api/v1/region", r => Used(r) == 150_000, "the region counts riverside's 150 L", region);

        // The delegated 1,000 L is stricter than the village's own 1,500 L: the allowances come down, floors kept.
        var upstream = await UntilAsync(communityHttp, "/api/v1/upstream",
            u => u.GetProperty("resources").EnumerateArray().Any(r => r.GetProperty("resource").GetString() == "water" && r.GetProperty("source").GetString() == "region"),
            "the community applies the region's cap", community);
        var water = upstream.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("resource").GetString() == "water");
        Assert.Equal((1_500_000L, 1_000_000L, 1_000_000L), (water.GetProperty("ownCap").GetInt64(), water.GetProperty("delegatedCap").GetInt64(), water.GetProperty("inForce").GetInt64()));
        var capped = PolicyLoader.Parse(VillageYaml().Replace("cap: 1_500_000", "cap: 1_000_000", StringComparison.Ordinal), "v.yaml").Policy!;
        // h02 (2 persons) had the 400 L ceiling under the village's own cap; under 1,000 L it has 200 L.
        var h02 = await GetAsync(communityHttp, "/api/v1/households/h02/allowance?resource=water");
        var expected = AllowanceCalculator.Compute(capped, Resource.Water).For("h02").Allowance;
        Assert.Equal(expected, h02.GetProperty("allowance").GetInt64());
        Assert.True(expected < AllowanceCalculator.Compute(PolicyLoader.Parse(VillageYaml(), "v.yaml").Policy!, Resource.Water).For("h02").Allowance);
        var member = Member(await GetAsync(regionHttp, "/api/v1/region"), "riverside");
        Assert.Equal((12L, 600_000L, 1_000_000L), (member.GetProperty("persons").GetInt64(), member.GetProperty("floor").GetInt64(), member.GetProperty("cap").GetInt64()));

        // A second community joins: its 12 persons need 600 L too, so the floors (1,200 L) exceed the budget.
        // Basic needs first: each community gets exactly its floor, and every household its own floor.
        var hillsidePolicy = Path.Combine(_dir, "hillside.yaml");
        File.WriteAllText(hillsidePolicy, VillageYaml().Replace("community: riverside", "community: hillside", StringComparison.Ordinal));
        using (var hillside = new GatewayProcess())
        {
            hillside.Environment["Metering__Policy__File"] = hillsidePolicy;
            hillside.Environment["Metering__Upstream__Url"] = region.BaseUrl.ToString();
            hillside.Environment["Metering__Upstream__Token"] = HillsideToken;
            hillside.Environment["Metering__Upstream__ReportIntervalSeconds"] = "1";
            hillside.Start();
            var drought = await UntilAsync(regionHttp, "/api/v1/region", r => Member(r, "hillside").GetProperty("persons").GetInt64() == 12,
                "hillside reports to the region", region);
            Assert.Equal(200_000, Water(drought).GetProperty("floorShortfall").GetInt64());
            Assert.Equal((600_000L, 600_000L), (Member(drought, "riverside").GetProperty("cap").GetInt64(), Member(drought, "hillside").GetProperty("cap").GetInt64()));
            await UntilAsync(communityHttp, "/api/v1/upstream",
                u => u.GetProperty("resources").EnumerateArray().Any(r => r.GetProperty("resource").GetString() == "water" && r.GetProperty("inForce").GetInt64() == 600_000),
                "riverside applies its floor as its cap", community);
            var atFloor = await GetAsync(communityHttp, "/api/v1/households/h01/allowance?resource=water");
            Assert.Equal((200_000L, 200_000L), (atFloor.GetProperty("floor").GetInt64(), atFloor.GetProperty("allowance").GetInt64()));
            Assert.True(hillside.Terminate(), "hillside did not stop");
        }

        // A drought on the river: two delegates declare regional stage 2 for 6 h; riverside holds at least that stage.
        var (amina, bruno) = (await SignInAsync(region, "amina"), await SignInAsync(region, "bruno"));
        using (amina)
        using (bruno)
        {
            using var proposed = await amina.PostAsJsonAsync("api/v1/region/stages", new { resource = "water", stage = 2, hours = 6 });
            var proposal = await proposed.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(proposed.IsSuccessStatusCode, proposal.ToString());
            var id = proposal.GetProperty("id").GetString();
            using (var first = await amina.PostAsync($"api/v1/region/stages/{id}/approve", JsonContent.Create(new { })))
                Assert.False((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean());
            using var second = await bruno.PostAsync($"api/v1/region/stages/{id}/approve", JsonContent.Create(new { }));
            Assert.True((await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean());
        }
        await UntilAsync(communityHttp, "/api/v1/upstream",
            u => u.GetProperty("resources").EnumerateArray().Any(r => r.GetProperty("resource").GetString() == "water"
                && r.GetProperty("regionalStage").GetInt32() == 2 && r.GetProperty("stage").GetInt32() == 2),
            "riverside holds the regional stage", community);

        // The region goes down; the community keeps metering and its reports queue.
        Assert.True(region.Terminate(), "the region did not stop");
        await using (var wh01 = new TestDevice("riverside", "w-h01", community.BrokerPort))
            await wh01.PublishAsync("reading", Reading(3, now - 180_000, ("kitchen", 265_000), ("garden", 30_700)));
        await UntilAsync(communityHttp, "/api/v1/upstream", u => u.GetProperty("pendingReports").GetInt32() >= 3, "reports queue while the region is down", community);

        // Back up: every queued report arrives, and the region counts exactly the community's use.
        region.StartAgain();
        await UntilAsync(communityHttp, "/api/v1/upstream", u => u.GetProperty("pendingReports").GetInt32() == 0, "the queue drains", community);
        using var regionAgain = await SignInAsync(region, "chen", start: 2);
        var after = await UntilAsync(regionAgain, "/api/v1/region", r => Used(r) == 290_000, "the region counts riverside's 290 L", region);
        Assert.Equal(290_000, Used(after));
        var allowance = await GetAsync(communityHttp, "/api/v1/households/h01/allowance?resource=water");
        Assert.Equal(290_000, allowance.GetProperty("used").GetInt64());

        // Privacy: of everything that reached the region, nothing names a household or a meter.
        var policy = PolicyLoader.Parse(VillageYaml(), "v.yaml").Policy!;
        var ids = policy.Households.Select(h => h.Id).Concat(policy.Households.SelectMany(h => h.Meters.Select(m => m.Id))).ToList();
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(region.DataDirectory, "region.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT body FROM region_reports";
        var bodies = new List<string>();
        using (var rd = cmd.ExecuteReader())
            while (rd.Read()) bodies.Add(rd.GetString(0));
        Assert.True(bodies.Count >= 5, $"only {bodies.Count} reports reached the region");
        foreach (var body in bodies)
            foreach (var id in ids) Assert.DoesNotContain("\"" + id + "\"", body, StringComparison.Ordinal);
    }

    /// <summary>A cookie session of a demo account, its password read from the gateway's start-up lines (the
    /// <paramref name="start"/>-th start's: each start gives the demo accounts fresh passwords).</summary>
    internal static async Task<HttpClient> SignInAsync(GatewayProcess gw, string name, int start = 1)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DemoSignIn(name).Matches(gw.Output).Count < start && DateTime.UtcNow < deadline) await Task.Delay(50);
        var found = DemoSignIn(name).Matches(gw.Output);
        Assert.True(found.Count >= start, $"no demo sign-in for {name}:\n{gw.Output}");
        var m = found[start - 1];
        var http = new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer() }) { BaseAddress = gw.BaseUrl, Timeout = TimeSpan.FromSeconds(30) };
        using var r = await http.PostAsJsonAsync("api/v1/session", new { name, password = m.Groups["password"].Value });
        Assert.True(r.IsSuccessStatusCode, $"sign-in of {name}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        return http;
    }

    private static Regex DemoSignIn(string name) => new(@"^ {4}council +" + Regex.Escape(name) + @" +(?<password>\S+)", RegexOptions.Multiline);

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
