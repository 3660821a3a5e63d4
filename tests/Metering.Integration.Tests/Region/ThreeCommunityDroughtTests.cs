using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Chaos;
using static Commons.Metering.Tests.Region.TwoGatewayRegionTests;

namespace Commons.Metering.Tests.Region;

/// <summary>The regional drought, whole: a region (river-a) and three member communities (upper, middle,
/// lower) as built gateway processes on loopback, each community with three households whose meters run the
/// real firmware core (a discretionary garden, a standard laundry, an essential kitchen of 100 persons, far
/// under its floor). Two regional delegates declare stage 3; each community sheds what its own policy says
/// stage 3 curtails, and no kitchen is cut. Then lower's link to the region is cut (its upstream address is a
/// proxy that refuses every connection) for a "day" compressed to seconds (Region:CapValiditySeconds): it keeps
/// the region's cap and stage while the cap is valid, then falls back to its floor (every household at its
/// own floor), and when the link returns its queued reports arrive once each: the region counts exactly
/// lower's use.</summary>
[Trait("Category", "Integration")]
public sealed class ThreeCommunityDroughtTests : IDisposable
{
    private static readonly string[] Members = ["upper", "middle", "lower"];
    private const int CapValiditySeconds = 6;
    private readonly TempDir _dir = new("region-drought");

    /// <summary>The scenarios' village (Scenarios/ScenarioPolicies.cs) under <paramref name="community"/>, with
    /// its own idea of what each stage curtails: a community's shedding order is its own.</summary>
    private static string Village(string community, string stage2, string stage3) => $$"""
        version: 1
        community: {{community}}
        council: { k: 2, members: [amina, bruno, chen] }
        households:
          - id: garden
            persons: 2
            meters: [{ id: w-0001, resource: water, channels: [{ id: main, use: discretionary }] }]
          - id: laundry
            persons: 2
            meters: [{ id: w-0002, resource: water, channels: [{ id: main, use: standard }] }]
          - id: kitchen
            persons: 100
            meters: [{ id: w-0003, resource: water, channels: [{ id: main, use: essential }] }]
        resources:
          water:
            period: day
            cap: 20_000_000
            floor_per_person: 50_000
            sharing: per_person
            stages:
              - { stage: 1, curtails: [discretionary] }
              - { stage: 2, curtails: [{{stage2}}] }
              - { stage: 3, curtails: [{{stage3}}] }
        """;

    private static readonly Dictionary<string, string> Policies = new()
    {
        // upper only ever sheds gardens; middle sheds laundries too; lower's stage 3 curtails even essential use above floors.
        ["upper"] = Village("upper", "discretionary", "discretionary"),
        ["middle"] = Village("middle", "discretionary, standard", "discretionary, standard"),
        ["lower"] = Village("lower", "discretionary, standard", "discretionary, standard, essential"),
    };

    /// <summary>(garden, laundry, kitchen) cut at stage 3 under each community's own rules.</summary>
    private static readonly Dictionary<string, (bool, bool, bool)> CutAtStage3 = new()
    {
        ["upper"] = (true, false, false),
        ["middle"] = (true, true, false),
        ["lower"] = (true, true, false), // the kitchen is under its floor: basic needs first
    };

    private static string Token(string community) => community + "-upstream-token";

    [Fact]
    public async Task RegionalDrought_EachCommunityShedsByItsOwnRules_FloorsKept_ACutLinkKeepsCapAndStageThenFallsBack_ReportsArriveOnce()
    {
        // A period boundary mid-test would start a fresh day: stay inside one UTC day (the clocks are real).
        var local = DateTimeOffset.UtcNow.TimeOfDay;
        if (local > new TimeSpan(23, 58, 30)) await Task.Delay(TimeSpan.FromDays(1) - local + TimeSpan.FromSeconds(5));

        using var region = new GatewayProcess();
        region.Environment["Metering__Region__Id"] = "river-a";
        region.Environment["Metering__Region__CapValiditySeconds"] = CapValiditySeconds.ToString();
        for (var i = 0; i < Members.Length; i++)
        {
            region.Environment[$"Metering__Region__Communities__{i}__Id"] = Members[i];
            region.Environment[$"Metering__Region__Communities__{i}__TokenSha256"] = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(Token(Members[i]))));
        }
        // 30,000 L a day for the valley: floors 3 x 104 persons x 50 L = 15,600 L, the rest by population,
        // 10,000 L each: stricter than each village's own 20,000 L.
        region.Environment["Metering__Region__Resources__water__BudgetPerPeriod"] = "30000000";
        region.Environment["Metering__Region__Resources__water__NeedPerPersonPerPeriod"] = "50000";
        // The regional council's delegates are demo accounts of an office policy whose council they are.
        var office = _dir.File("office.yaml");
        File.WriteAllText(office, Village("river-a-office", "discretionary", "discretionary"));
        region.Environment["Metering__Policy__File"] = office;
        region.Environment["Metering__Auth__DemoAccounts"] = "true";
        region.Environment["Metering__Region__Council__K"] = "2";
        region.Environment["Metering__Region__Council__Members__0"] = "amina";
        region.Environment["Metering__Region__Council__Members__1"] = "bruno";
        region.Environment["Metering__Region__Council__Members__2"] = "chen";

        await using var lowerLink = new ChaosProxy(region.HttpPort);
        var communities = new Dictionary<string, GatewayProcess>();
        try
        {
            foreach (var c in Members)
            {
                var gw = new GatewayProcess();
                communities[c] = gw;
                var policy = _dir.File(c + ".yaml");
                File.WriteAllText(policy, Policies[c]);
                gw.Environment["Metering__Policy__File"] = policy;
                gw.Environment["Metering__Registry__AutoRegister"] = "true";
                gw.Environment["Metering__Upstream__Url"] = c == "lower" ? $"http://127.0.0.1:{lowerLink.Port}/" : region.BaseUrl.ToString();
                gw.Environment["Metering__Upstream__Token"] = Token(c);
                gw.Environment["Metering__Upstream__ReportIntervalSeconds"] = "1";
                gw.Environment["Metering__Upstream__RetryMinSeconds"] = "1";
                gw.Environment["Metering__Upstream__RetryMaxSeconds"] = "1";
            }
            // All four start at once: a community that is up before the region just retries.
            await Task.WhenAll(communities.Values.Append(region).Select(gw => Task.Run(() => gw.Start())));

            var fleets = new Dictionary<string, MeterFleet>();
            try
            {
                foreach (var c in Members)
                {
                    var fleet = new MeterFleet(new FleetOptions
                    {
                        Broker = MqttBrokerOptions.Parse("127.0.0.1:" + communities[c].BrokerPort), DataDirectory = _dir.File("fleet-" + c),
                        Community = c, Meters = 3, Mix = (1, 0, 0), ReadingIntervalMs = 1000, WaterDrawMl = 5000, FirstUseWithinMs = 1000,
                    });
                    fleets[c] = fleet;
                    fleet.Start();
                }
                await RunAsync(region, communities, fleets, lowerLink);
            }
            finally
            {
                foreach (var f in fleets.Values) await f.DisposeAsync();
            }
        }
        finally
        {
            foreach (var gw in communities.Values) gw.Dispose();
        }
    }

    private async Task RunAsync(GatewayProcess region, Dictionary<string, GatewayProcess> communities, Dictionary<string, MeterFleet> fleets, ChaosProxy lowerLink)
    {
        var http = Members.ToDictionary(c => c, c => communities[c].CreateHttpClient());
        using var chen = await TwoGatewayRegionTests.SignInAsync(region, "chen");
        // The three communities are watched at once: each wait is on its own processes.
        await Task.WhenAll(Members.Select(async c =>
        {
            Assert.True(await fleets[c].WaitForAsync("w-0003", t => t.Channel("main").UseClass == "essential", TimeSpan.FromSeconds(30)),
                $"{c}'s policy did not reach its devices\n{communities[c].Output}");
            var up = await UntilAsync(http[c], "/api/v1/upstream", u => Water(u).GetProperty("source").GetString() == "region"
                && Water(u).GetProperty("inForce").GetInt64() == 10_000_000, $"{c} applies the region's 10,000 L", communities[c]);
            Assert.Equal(20_000_000, Water(up).GetProperty("ownCap").GetInt64());
        }));
        var shared = await UntilAsync(chen, "/api/v1/region", r => Members.All(c => Member(r, c).GetProperty("persons").GetInt64() == 104), "all three report", region);
        Assert.Equal(30_000_000, Members.Sum(c => Member(shared, c).GetProperty("cap").GetInt64()));

        // The drought: two of the three delegates declare regional stage 3 for an hour.
        using (var amina = await TwoGatewayRegionTests.SignInAsync(region, "amina"))
        using (var bruno = await TwoGatewayRegionTests.SignInAsync(region, "bruno"))
        {
            using var proposed = await amina.PostAsJsonAsync("api/v1/region/stages", new { resource = "water", stage = 3, hours = 1 });
            var proposal = await proposed.Content.ReadFromJsonAsync<JsonElement>();
            Assert.True(proposed.IsSuccessStatusCode, proposal.ToString());
            var id = proposal.GetProperty("id").GetString();
            using (var first = await amina.PostAsync($"api/v1/region/stages/{id}/approve", JsonContent.Create(new { })))
                Assert.False((await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean());
            using var second = await bruno.PostAsync($"api/v1/region/stages/{id}/approve", JsonContent.Create(new { }));
            Assert.True((await second.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("active").GetBoolean());
        }
        await Task.WhenAll(Members.Select(async c =>
        {
            await UntilAsync(http[c], "/api/v1/upstream", u => Water(u).GetProperty("regionalStage").GetInt32() == 3 && Water(u).GetProperty("stage").GetInt32() == 3,
                $"{c} holds the regional stage", communities[c]);
            await ExpectCutsAsync(c, fleets[c], communities[c]);
        }));

        // lower's link is cut: while its cap is valid it keeps the region's cap and stage.
        var rowsBefore = ReportRows(region, "lower");
        lowerLink.Refuse();
        var queued = await UntilAsync(http["lower"], "/api/v1/upstream", u => u.GetProperty("pendingReports").GetInt32() >= 2, "lower's reports queue", communities["lower"]);
        var validUntil = DateTimeOffset.Parse(Water(queued).GetProperty("validUntil").GetString()!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(DateTimeOffset.UtcNow < validUntil, $"the cap's validity ({validUntil:O}) ended before two reports queued");
        Assert.Equal(("region", 10_000_000L, 3), (Water(queued).GetProperty("source").GetString(), Water(queued).GetProperty("inForce").GetInt64(), Water(queued).GetProperty("regionalStage").GetInt32()));

        // Its validity ends: the fallback, its floor (104 persons x 50 L), every household at its own floor; the
        // regional stage holds until its own end, and the kitchen stays on.
        var fallback = await UntilAsync(http["lower"], "/api/v1/upstream", u => Water(u).GetProperty("source").GetString() == "fallback", "lower falls back", communities["lower"]);
        Assert.True(DateTimeOffset.UtcNow >= validUntil);
        Assert.Equal((5_200_000L, 3, 3), (Water(fallback).GetProperty("inForce").GetInt64(), Water(fallback).GetProperty("regionalStage").GetInt32(), Water(fallback).GetProperty("stage").GetInt32()));
        foreach (var h in new[] { "garden", "laundry", "kitchen" })
        {
            var a = await GetAsync(http["lower"], $"/api/v1/households/{h}/allowance?resource=water");
            Assert.Equal(a.GetProperty("floor").GetInt64(), a.GetProperty("allowance").GetInt64());
        }
        await ExpectCutsAsync("lower", fleets["lower"], communities["lower"]);
        // The others' links were never cut: their caps stay the region's.
        Assert.Equal("region", Water(await GetAsync(http["upper"], "/api/v1/upstream")).GetProperty("source").GetString());

        // lower's households stop drawing, so its use is final; then the link returns and the queue drains.
        await fleets["lower"].DisposeAsync();
        var pending = (await GetAsync(http["lower"], "/api/v1/upstream")).GetProperty("pendingReports").GetInt32();
        lowerLink.Forward();
        await UntilAsync(http["lower"], "/api/v1/upstream", u => u.GetProperty("pendingReports").GetInt32() == 0 && Water(u).GetProperty("source").GetString() == "region",
            "lower's queue drains and the region's cap is back", communities["lower"]);
        long used = 0;
        foreach (var h in new[] { "garden", "laundry", "kitchen" })
            used += (await GetAsync(http["lower"], $"/api/v1/households/{h}/allowance?resource=water")).GetProperty("used").GetInt64();
        Assert.True(used > 0, "lower's households used nothing");
        await UntilAsync(chen, "/api/v1/region", r => Member(r, "lower").GetProperty("used").GetInt64() == used, $"the region counts lower's {used} mL", region);
        Assert.True(ReportRows(region, "lower") >= rowsBefore + pending, $"{pending} queued reports, {ReportRows(region, "lower") - rowsBefore} arrived");
        foreach (var c in http.Values) c.Dispose();
    }

    /// <summary>Waits until the devices show what the community's own stage-3 rules cut.</summary>
    private static async Task ExpectCutsAsync(string community, MeterFleet fleet, GatewayProcess gw)
    {
        var (garden, laundry, kitchen) = CutAtStage3[community];
        bool Cut(string meter) => fleet.Truth(meter).Channel("main").Curtailed;
        Assert.True(await fleet.WaitForAsync("w-0001", _ => Cut("w-0001") == garden && Cut("w-0002") == laundry && Cut("w-0003") == kitchen, TimeSpan.FromSeconds(20)),
            $"{community}: expected cuts {garden}/{laundry}/{kitchen}, devices show {Cut("w-0001")}/{Cut("w-0002")}/{Cut("w-0003")}\n{gw.Output}");
    }

    /// <summary>Reports of <paramref name="community"/> the region's ledger holds, each under its own (community, seq).</summary>
    private static long ReportRows(GatewayProcess region, string community)
    {
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(region.DataDirectory, "region.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*), COUNT(DISTINCT seq) FROM region_reports WHERE community = $c";
        cmd.Parameters.AddWithValue("$c", community);
        using var rd = cmd.ExecuteReader();
        rd.Read();
        Assert.Equal(rd.GetInt64(0), rd.GetInt64(1));
        return rd.GetInt64(0);
    }

    public void Dispose() => _dir.Dispose();
}
