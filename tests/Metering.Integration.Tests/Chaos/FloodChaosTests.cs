using System.Diagnostics;
using System.Text;
using Commons.Metering.Testing;
using Commons.Metering.Tests.EndToEnd;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>One device flooding the broker cannot starve the others. A client publishes
/// QoS 1 readings as fast as it can (50 in flight) to the embedded broker next to 20 real-core
/// meters. The per-meter rate limit refuses its excess without acknowledging it (reason
/// rate_limited); every reading of the 20 meters commits; and every reading the flooder got a
/// PUBACK for was committed (refused means unacknowledged, never acknowledged-and-dropped).</summary>
[Trait("Category", "Integration")]
public sealed class FloodChaosTests(ITestOutputHelper output)
{
    private const int PerSecond = 50;
    private const int Burst = 100;

    [Fact]
    public async Task OneMeterFlooding_IsRateLimitedUnacknowledged_AndTwentyOthersCommitEverything()
    {
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Metering__Broker__RateLimitPerMeterPerSecond"] = PerSecond.ToString();
        gateway.Environment["Metering__Broker__RateLimitBurst"] = Burst.ToString();
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Start();
        using var flash = new TempDir("chaos-flood");
        await using var fleet = ChaosKit.Fleet(flash, gateway.BrokerPort, "chaos-d", meters: 20);
        fleet.Start();
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) >= 100, TimeSpan.FromSeconds(15), () => $"{fleet.Status()}\n{gateway.Output}");

        var watch = Stopwatch.StartNew();
        var fleetBefore = ChaosKit.Committed(gateway);
        var (acked, attempts) = await FloodAsync(gateway.BrokerPort, TimeSpan.FromSeconds(8));
        var elapsed = watch.Elapsed.TotalSeconds;
        var rows = LedgerProbe.LedgerRows(gateway.DataDirectory);
        var flooderCommitted = rows.TryGetValue(("flood-0", "main"), out var f) ? f.Count : 0;
        var othersPerSecond = (ChaosKit.Committed(gateway) - fleetBefore - flooderCommitted) / elapsed;
        var limited = await ChaosKit.MetricAsync(gateway, "metering_rejected_total{reason=\"rate_limited\"}");
        output.WriteLine($"flooder: {attempts} publishes tried, {acked} acknowledged, {flooderCommitted} committed, {limited} refused " +
            $"as rate_limited in {elapsed:F1} s; the 20 meters committed {othersPerSecond:F0}/s meanwhile");

        Assert.True(limited > 0, "the flood was never limited");
        Assert.True(flooderCommitted <= Burst + PerSecond * elapsed * 1.1, $"{flooderCommitted} flood readings got through");
        Assert.True(flooderCommitted >= acked, $"{acked} acknowledged but only {flooderCommitted} committed: acknowledged and dropped");
        // Starvation would leave the others next to nothing; half their rate leaves room for a noisy machine.
        Assert.True(othersPerSecond >= 20 * 10 * 0.5, $"the others were slowed to {othersPerSecond:F0}/s (about 200/s expected)");
        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(15));
    }

    /// <summary>QoS 1 publishes with 50 in flight, new seq each, reconnecting (clean session) whenever
    /// the gateway closes the connection; returns PUBACKs received and publishes tried.</summary>
    private static async Task<(long Acked, long Attempts)> FloodAsync(int port, TimeSpan duration)
    {
        using var client = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId("flood-0")
            .WithCleanSession(true).WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(TimeSpan.FromSeconds(5)).Build();
        long seq = 0, acked = 0;
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < duration)
        {
            try
            {
                if (!client.IsConnected) await client.ConnectAsync(options);
                var batch = Enumerable.Range(0, 50).Select(async _ =>
                {
                    var n = Interlocked.Increment(ref seq);
                    var payload = $"{{\"v\":1,\"seq\":{n},\"ts\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{n}}}]}}";
                    await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("commons/v1/chaos-d/flood-0/up/reading")
                        .WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
                    Interlocked.Increment(ref acked);
                }).ToList();
                try { await Task.WhenAll(batch); } catch (Exception) { }
            }
            catch (Exception)
            {
                await Task.Delay(50);
            }
        }
        return (acked, seq);
    }
}
