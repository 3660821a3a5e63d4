using System.Net;
using System.Text.Json;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Gateway;

/// <summary>The built gateway with Metering:Policy:File set to a copy of Policy/examples/village.yaml:
/// readings published over MQTT show up in the household's allowance exactly.</summary>
[Trait("Category", "Integration")]
public sealed class PolicyApiTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("policy-api-").FullName;

    private static string VillageYaml()
    {
        return File.ReadAllText(RepoPaths.Of("gateway", "Metering.Policy", "examples", "village.yaml"));
    }

    private string WritePolicy(string yaml)
    {
        var path = Path.Combine(_dir, "village.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    private static string Reading(long seq, long tsMs, params (string Channel, long Register)[] channels) =>
        $"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs},\"ch\":[" +
        string.Join(",", channels.Select(c => $"{{\"n\":\"{c.Channel}\",\"u\":\"mL\",\"reg\":{c.Register}}}")) + "]}";

    private static async Task<(HttpStatusCode Status, JsonElement Body, string? Type)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone(), response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Allowance_ShowsExactlyWhatTheHouseholdsMetersUsedThisPeriod()
    {
        var path = WritePolicy(VillageYaml());
        var policy = PolicyLoader.LoadFile(path).Policy!;
        var allowanceH01 = AllowanceCalculator.Compute(policy, Resource.Water).For("h01").Allowance;
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Policy__File"] = path;
        gw.Environment["Metering__Registry__AutoRegister"] = "true";
        gw.Start();
        Assert.Contains("Metering:Policy:File = " + path, gw.Output);
        using var http = gw.CreateHttpClient();

        var (status, body, _) = await GetAsync(http, "/api/v1/policy");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal("riverside", body.GetProperty("community").GetString());
        Assert.Equal(1, body.GetProperty("version").GetInt32());
        var h01 = body.GetProperty("households").EnumerateArray().First();
        Assert.Equal(("h01", 4), (h01.GetProperty("id").GetString(), h01.GetProperty("persons").GetInt32()));
        Assert.Equal(["w-h01", "e-h01"], h01.GetProperty("meters").EnumerateArray().Select(m => m.GetProperty("id").GetString()));
        var water = body.GetProperty("resources").GetProperty("water");
        Assert.Equal(("day", 1_500_000L, 50_000L), (water.GetProperty("period").GetString(), water.GetProperty("cap").GetInt64(), water.GetProperty("floorPerPerson").GetInt64()));

        // Usage is booked in the hour of device time; seconds before now are in today's period,
        // unless the village's day (UTC+3) is about to turn: then wait until it has turned, so the
        // test never straddles two periods (the gateway's clock is real, not faked).
        var local = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(3)).TimeOfDay;
        if (local > new TimeSpan(23, 58, 0)) await Task.Delay(TimeSpan.FromDays(1) - local + TimeSpan.FromSeconds(30));
        else if (local < TimeSpan.FromSeconds(30)) await Task.Delay(TimeSpan.FromSeconds(30) - local);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var wh01 = new TestDevice("riverside", "w-h01", gw.BrokerPort);
        await using var wh02 = new TestDevice("riverside", "w-h02", gw.BrokerPort);
        await wh01.PublishAsync("reading", Reading(1, now - 540_000, ("kitchen", 5_000), ("garden", 700)));  // baselines; readings 3 min apart: up to 300 L each is a possible flow (Ledger/Plausibility.cs)
        await wh01.PublishAsync("reading", Reading(2, now - 360_000, ("kitchen", 125_000), ("garden", 30_700)));
        await wh02.PublishAsync("reading", Reading(1, now - 540_000, ("main", 0)));
        await wh02.PublishAsync("reading", Reading(2, now - 360_000, ("main", 9_000)));

        var (okStatus, a, _) = await GetAsync(http, "/api/v1/households/h01/allowance?resource=water");
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.Equal(4 * 50_000, a.GetProperty("floor").GetInt64());
        Assert.Equal(allowanceH01, a.GetProperty("allowance").GetInt64());
        Assert.Equal(150_000, a.GetProperty("used").GetInt64());
        Assert.Equal(allowanceH01 - 150_000, a.GetProperty("remaining").GetInt64());
        Assert.True(a.GetProperty("underFloor").GetBoolean());

        await wh01.PublishAsync("reading", Reading(3, now - 180_000, ("kitchen", 265_000), ("garden", 30_700)));
        (_, a, _) = await GetAsync(http, "/api/v1/households/h01/allowance?resource=water");
        Assert.Equal(290_000, a.GetProperty("used").GetInt64());
        Assert.Equal(allowanceH01 - 290_000, a.GetProperty("remaining").GetInt64());
        Assert.False(a.GetProperty("underFloor").GetBoolean());
        (_, a, _) = await GetAsync(http, "/api/v1/households/h02/allowance?resource=water");
        Assert.Equal(9_000, a.GetProperty("used").GetInt64());
        (_, a, _) = await GetAsync(http, "/api/v1/households/h01/allowance?resource=energy");
        Assert.Equal(0, a.GetProperty("used").GetInt64());

        var (unknown, problem, type) = await GetAsync(http, "/api/v1/households/h99/allowance?resource=water");
        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (unknown, type));
        Assert.Contains("h99", problem.GetProperty("detail").GetString());
        var (bad, _, badType) = await GetAsync(http, "/api/v1/households/h01/allowance?resource=gas");
        Assert.Equal((HttpStatusCode.BadRequest, "application/problem+json"), (bad, badType));
    }

    [Fact]
    public async Task WithoutAPolicy_ThePolicyEndpointsAnswer404ProblemDetails()
    {
        using var gw = new GatewayProcess();
        gw.Start();
        using var http = gw.CreateHttpClient();
        var (status, problem, type) = await GetAsync(http, "/api/v1/policy");
        Assert.Equal((HttpStatusCode.NotFound, "application/problem+json"), (status, type));
        Assert.Contains("Metering__Policy__File", problem.GetProperty("detail").GetString());
        (status, _, _) = await GetAsync(http, "/api/v1/households/h01/allowance?resource=water");
        Assert.Equal(HttpStatusCode.NotFound, status);
    }

    [Fact]
    public void AnInvalidPolicyFile_StopsTheGatewayWithExitCode2_AndTheLineOfTheError()
    {
        var yaml = VillageYaml().Replace("    persons: 2\n", "    persons: 0\n", StringComparison.Ordinal);
        var line = yaml[..yaml.IndexOf("persons: 0", StringComparison.Ordinal)].Count(c => c == '\n') + 1;
        var path = WritePolicy(yaml);
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Policy__File"] = path;
        Assert.Equal(2, gw.RunToExit());
        Assert.Contains($"village.yaml:{line}:", gw.Output);
        Assert.Contains("households[1].persons", gw.Output);
        Assert.DoesNotContain("   at ", gw.Output);
    }

    public void Dispose()
    {
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }
}
