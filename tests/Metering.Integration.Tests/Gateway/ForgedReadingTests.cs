using System.Collections.Concurrent;
using System.Text;
using Commons.Metering.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Tests.Gateway;

/// <summary>One household's meter sends a register jump of +10,000,000 Wh in one minute (a forged or
/// faulty reading), against the built gateway with a community energy breaker of 300 Wh/min (2-minute window) and real
/// MQTT clients: the reading is kept, flagged implausible_rate, and neither opens the community breaker
/// nor cuts the other household; nor does the same meter lying at a possible rate over the supply (one
/// device alone, PolicyRuntime/Corroboration.cs). The same breaker still opens, and cuts, for a true overload of
/// two households at possible rates (so the test can tell).</summary>
[Trait("Category", "Integration")]
public sealed class ForgedReadingTests
{
    private const string Community = "testville";

    private const string Policy = """
        version: 1
        community: testville
        council: { k: 1, members: [amina] }
        households:
          - { id: h1, persons: 1, meters: [{ id: e-h1, resource: energy, channels: [{ id: heater, use: discretionary }] }] }
          - { id: h2, persons: 1, meters: [{ id: e-h2, resource: energy, channels: [{ id: heater, use: discretionary }] }] }
        resources:
          energy:
            period: month
            cap: 100_000_000
            floor_per_person: 1
            sharing: per_household
            breaker: { capacity_per_minute: 300, window_minutes: 2, curtails: [discretionary] }
        """;

    [Fact]
    public async Task A10MWhJumpFromOneMeter_OrOneMeterOverTheSupplyAlone_OpensNoCommunityBreaker_AndCutsNoOtherHousehold()
    {
        using var dir = new TempDir("forged-reading");
        var policy = Path.Combine(dir.Path, "policy.yaml");
        await File.WriteAllTextAsync(policy, Policy);
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Policy__File"] = policy;
        gw.Environment["Metering__Registry__AutoRegister"] = "true";
        gw.Start();
        using var http = gw.CreateHttpClient();
        const string breakerOpen = "metering_policy_breakers_not_closed{scope=\"resource\",state=\"open\"}";

        // The other household's device listens for its commands, as the firmware does.
        var cuts = new ConcurrentQueue<string>();
        using var victim = new MqttClientFactory().CreateMqttClient();
        victim.ApplicationMessageReceivedAsync += e =>
        {
            var text = Encoding.UTF8.GetString(e.ApplicationMessage.Payload);
            if (text.Contains("\"op\":\"relay\"", StringComparison.Ordinal) && text.Contains("\"state\":\"open\"", StringComparison.Ordinal)) cuts.Enqueue(text);
            return Task.CompletedTask;
        };
        await victim.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", gw.BrokerPort).WithClientId("e-h2")
            .WithCleanSession(false).WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(TimeSpan.FromSeconds(10)).Build());
        await victim.SubscribeAsync($"commons/v1/{Community}/e-h2/down/cmd", MqttQualityOfServiceLevel.AtLeastOnce);

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await using var forger = new TestDevice(Community, "e-h1", gw.BrokerPort);
        await forger.PublishAsync("reading", TestDevice.Reading(1, now - 120_000, 1_000, "Wh", "heater"));
        await forger.PublishAsync("reading", TestDevice.Reading(2, now - 60_000, 10_001_000, "Wh", "heater"));
        Assert.Equal(1, await GatewayApi.MetricAsync(http, "metering_flagged_total{flag=\"implausible_rate\"}"));
        await Task.Delay(TimeSpan.FromSeconds(4)); // four ticks of the policy runtime (Commons:TickMs 1000)
        Assert.Equal(0, await GatewayApi.MetricAsync(http, breakerOpen));
        Assert.Empty(cuts);

        // The same meter lies at a possible rate instead: 1,600 Wh in 2 min (48 kW, under the 50 kW bound), 800
        // Wh/min on a 300 Wh/min supply. Counted for h1, but one device alone opens no community breaker.
        now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await forger.PublishAsync("reading", TestDevice.Reading(3, now, 2_600, "Wh", "heater"));
        Assert.Equal(1, await GatewayApi.MetricAsync(http, "metering_flagged_total{flag=\"implausible_rate\"}")); // counted, not held
        Assert.Equal(3, await GatewayApi.MetricAsync(http, "metering_readings_ingested_total"));
        await Task.Delay(TimeSpan.FromSeconds(4)); // four ticks of the policy runtime
        Assert.Equal(0, await GatewayApi.MetricAsync(http, breakerOpen));
        Assert.Empty(cuts);

        // A true overload: a second household at a possible rate too (h2 800 Wh in 1 min): two devices over
        // 300 Wh/min over the last two minutes: the breaker opens and curtails both heaters.
        now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await victim.PublishAsync(Reading("e-h2", 1, now - 60_000, 0));
        await victim.PublishAsync(Reading("e-h2", 2, now, 800));
        await GatewayApi.EventuallyAsync(async () => await GatewayApi.MetricAsync(http, breakerOpen) == 1 && !cuts.IsEmpty,
            TimeSpan.FromSeconds(20), () => $"breaker open: {GatewayApi.MetricAsync(http, breakerOpen).Result}, cuts to e-h2: {cuts.Count}");
    }

    private static MqttApplicationMessage Reading(string meter, long seq, long tsMs, long register) =>
        new MqttApplicationMessageBuilder().WithTopic($"commons/v1/{Community}/{meter}/up/reading")
            .WithPayload(TestDevice.Reading(seq, tsMs, register, "Wh", "heater"))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
}
