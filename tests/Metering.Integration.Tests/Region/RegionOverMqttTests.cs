using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Commons.Metering.Gateway.BrokerAccounts;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Gateway;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Tests.Region;

/// <summary>The upward link over MQTT, real processes on loopback: a region gateway (river-a) whose
/// embedded broker requires authentication, with a gateway account for its own listener and a device
/// account per member (user = community id, community = river-a), and a community (riverside) whose
/// gateway reports with its own MQTT client. Reports arrive, the cap comes down, and with the region
/// down (broker and listener) reports queue and then arrive exactly once.</summary>
[Trait("Category", "Integration")]
public sealed class RegionOverMqttTests : IDisposable
{
    private const string Token = "riverside-mqtt-token";
    private const string HillsideToken = "hillside-mqtt-token";
    private const string ListenerPassword = "region-listener-password";
    private readonly string _dir = Directory.CreateTempSubdirectory("region-mqtt-it-").FullName;

    private static string Sha(string s) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(s)));

    private static string VillageYaml() => File.ReadAllText(RepoPaths.Of("gateway", "Metering.Policy", "examples", "village.yaml"));

    private static string Reading(long seq, long tsMs, long kitchen) =>
        $"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs},\"ch\":[{{\"n\":\"kitchen\",\"u\":\"mL\",\"reg\":{kitchen}}},{{\"n\":\"garden\",\"u\":\"mL\",\"reg\":0}}]}}";

    private static async Task<JsonElement> UntilAsync(HttpClient http, string path, Func<JsonElement, bool> ok, string what, GatewayProcess gw)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        JsonElement last = default;
        while (DateTime.UtcNow < deadline)
        {
            using var response = await http.GetAsync(path);
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
            last = JsonDocument.Parse(text).RootElement.Clone();
            if (ok(last)) return last;
            await Task.Delay(200);
        }
        throw new Xunit.Sdk.XunitException($"{what}: last {path} was {last}\n{gw.Output}");
    }

    private static long? Used(JsonElement region) =>
        region.GetProperty("resources")[0].GetProperty("communities").EnumerateArray().Single(c => c.GetProperty("id").GetString() == "riverside")
            .GetProperty("used") is { ValueKind: JsonValueKind.Number } u ? u.GetInt64() : null;

    private GatewayProcess Region()
    {
        var region = new GatewayProcess();
        CredentialsFile.Write(Path.Combine(region.DataDirectory, CredentialsFile.FileName),
        [
            new BrokerAccount { User = "region-listener", Role = BrokerRole.Gateway, PasswordHash = MosquittoPasswordHash.Hash(ListenerPassword, 1_000) },
            new BrokerAccount { User = "riverside", Role = BrokerRole.Device, Community = "river-a", PasswordHash = MosquittoPasswordHash.Hash(Token, 1_000) },
            new BrokerAccount { User = "hillside", Role = BrokerRole.Device, Community = "river-a", PasswordHash = MosquittoPasswordHash.Hash(HillsideToken, 1_000) },
        ]);
        region.Environment["Metering__Broker__RequireAuthentication"] = "true";
        region.Environment["Metering__Region__Id"] = "river-a";
        region.Environment["Metering__Region__UtcOffset"] = "+03:00";
        region.Environment["Metering__Region__Communities__0__Id"] = "riverside";
        region.Environment["Metering__Region__Communities__0__TokenSha256"] = Sha(Token);
        region.Environment["Metering__Region__Communities__1__Id"] = "hillside";
        region.Environment["Metering__Region__Communities__1__TokenSha256"] = Sha(HillsideToken);
        region.Environment["Metering__Region__Resources__water__BudgetPerPeriod"] = "1000000";
        region.Environment["Metering__Region__Resources__water__NeedPerPersonPerPeriod"] = "50000";
        region.Environment["Metering__Region__Mqtt__Host"] = "127.0.0.1";
        region.Environment["Metering__Region__Mqtt__Port"] = region.BrokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        region.Environment["Metering__Region__Mqtt__Username"] = "region-listener";
        region.Environment["Metering__Region__Mqtt__Password"] = ListenerPassword;
        return region;
    }

    [Fact]
    public async Task ReportsOverTheRegionsBroker_ComeDownAsTheCap_QueueWhileItIsDown_AndArriveExactlyOnce()
    {
        var policyPath = Path.Combine(_dir, "village.yaml");
        File.WriteAllText(policyPath, VillageYaml());
        using var region = Region();
        using var community = new GatewayProcess();
        community.Environment["Metering__Policy__File"] = policyPath;
        community.Environment["Metering__Registry__AutoRegister"] = "true";
        community.Environment["Metering__Upstream__Transport"] = "mqtt";
        community.Environment["Metering__Upstream__Url"] = $"mqtt://127.0.0.1:{region.BrokerPort}";
        community.Environment["Metering__Upstream__Region"] = "river-a";
        community.Environment["Metering__Upstream__Token"] = Token;
        community.Environment["Metering__Upstream__ReportIntervalSeconds"] = "1";
        community.Environment["Metering__Upstream__RetryMinSeconds"] = "1";
        community.Environment["Metering__Upstream__RetryMaxSeconds"] = "1";
        community.Environment["Metering__Upstream__AnswerTimeoutSeconds"] = "2";
        // Both at once (the community's reports wait in its outbox until the region answers): a shorter test.
        await Task.WhenAll(Task.Run(() => region.Start()), Task.Run(() => community.Start()));
        Assert.DoesNotContain(ListenerPassword, region.Output);
        Assert.DoesNotContain(Token, community.Output);
        using var regionHttp = region.CreateHttpClient();
        using var communityHttp = community.CreateHttpClient();

        // Stay inside one village day (UTC+3): the clocks are real.
        var local = DateTimeOffset.UtcNow.ToOffset(TimeSpan.FromHours(3)).TimeOfDay;
        if (local > new TimeSpan(23, 59, 0)) await Task.Delay(TimeSpan.FromDays(1) - local + TimeSpan.FromSeconds(20));
        else if (local < TimeSpan.FromSeconds(20)) await Task.Delay(TimeSpan.FromSeconds(20) - local);
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using (var wh01 = new TestDevice("riverside", "w-h01", community.BrokerPort))
        {
            await wh01.PublishAsync("reading", Reading(1, now - 540_000, 5_000));
            await wh01.PublishAsync("reading", Reading(2, now - 360_000, 125_000));
        }
        await UntilAsync(regionHttp, "/api/v1/region", r => Used(r) == 120_000, "the region counts riverside's 120 L, reported over MQTT", region);
        var upstream = await UntilAsync(communityHttp, "/api/v1/upstream",
            u => u.GetProperty("resources").EnumerateArray().Any(r => r.GetProperty("resource").GetString() == "water" && r.GetProperty("source").GetString() == "region"),
            "riverside applies the cap that came back over MQTT", community);
        Assert.Equal(1_000_000, upstream.GetProperty("resources").EnumerateArray().Single(r => r.GetProperty("resource").GetString() == "water").GetProperty("inForce").GetInt64());

        // Another member's account cannot speak for riverside: its own topic with riverside's name is refused,
        // and riverside's topic is outside its ACL (dropped by the broker, nothing stored).
        await HillsideSpoofIsRefusedAsync(region.BrokerPort);

        // The region (broker and listener) goes down; riverside keeps metering and its reports queue.
        Assert.True(region.Terminate(), "the region did not stop");
        await using (var wh01 = new TestDevice("riverside", "w-h01", community.BrokerPort))
            await wh01.PublishAsync("reading", Reading(3, now - 180_000, 265_000));
        await UntilAsync(communityHttp, "/api/v1/upstream", u => u.GetProperty("pendingReports").GetInt32() >= 3, "reports queue while the region is down", community);
        region.StartAgain();
        await UntilAsync(communityHttp, "/api/v1/upstream", u => u.GetProperty("pendingReports").GetInt32() == 0, "the queue drains over MQTT", community);
        var after = await UntilAsync(regionHttp, "/api/v1/region", r => Used(r) == 260_000, "the region counts riverside's 260 L", region);
        Assert.Equal(260_000, Used(after));

        // Exactly once: the region holds each seq once, and no report of hillside's account got in.
        using var db = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(region.DataDirectory, "region.db")};Mode=ReadOnly;Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT community, COUNT(*), COUNT(DISTINCT seq) FROM region_reports GROUP BY community";
        var counts = new Dictionary<string, (long, long)>();
        using (var rd = cmd.ExecuteReader())
            while (rd.Read()) counts[rd.GetString(0)] = (rd.GetInt64(1), rd.GetInt64(2));
        Assert.Equal(["riverside"], counts.Keys);
        Assert.True(counts["riverside"].Item1 >= 4 && counts["riverside"].Item1 == counts["riverside"].Item2, $"reports {counts["riverside"]}");
    }

    private static async Task HillsideSpoofIsRefusedAsync(int port)
    {
        using var hillside = new MqttClientFactory().CreateMqttClient();
        var refused = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        hillside.ApplicationMessageReceivedAsync += e =>
        {
            refused.TrySetResult(e.ApplicationMessage.Topic + " " + Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
            return Task.CompletedTask;
        };
        await hillside.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("hillside")
            .WithCredentials("hillside", HillsideToken).WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(TimeSpan.FromSeconds(10)).Build());
        await hillside.SubscribeAsync("commons/v1/river-a/hillside/down/#", MqttQualityOfServiceLevel.AtLeastOnce);
        var spoof = "{\"v\":1,\"community\":\"riverside\",\"seq\":9000000000000,\"ts\":1,\"breakers\":0,\"resources\":[]}";
        foreach (var topic in new[] { "commons/v1/river-a/riverside/up/report", "commons/v1/river-a/hillside/up/report" })
            await hillside.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(spoof)
                .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        var answer = await refused.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.StartsWith("commons/v1/river-a/hillside/down/refused {\"v\":1,\"status\":401", answer, StringComparison.Ordinal);
        await hillside.DisconnectAsync();
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
