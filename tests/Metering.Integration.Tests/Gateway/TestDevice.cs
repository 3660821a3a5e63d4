using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Tests.Gateway;

/// <summary>A device as the firmware behaves on the wire: MQTT 3.1.1, client id = meter id,
/// cleanSession=false, QoS 1, and a reading counts as delivered only when its PUBACK arrived (it is
/// sent again otherwise, after a reconnect).</summary>
internal sealed class TestDevice(string community, string meter, int brokerPort) : IAsyncDisposable
{
    private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();

    public string Meter => meter;
    public string Topic(string kind) => $"commons/v1/{community}/{meter}/up/{kind}";

    public static string Reading(long seq, long tsMs, long register, string unit = "mL", string channel = "main") =>
        $"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs},\"ch\":[{{\"n\":\"{channel}\",\"u\":\"{unit}\",\"reg\":{register}}}]}}";

    public async Task ConnectAsync(CancellationToken ct = default)
    {
        if (_client.IsConnected) return;
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer("127.0.0.1", brokerPort)
            .WithClientId(meter)
            .WithCleanSession(false)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        await _client.ConnectAsync(options, ct);
    }

    /// <summary>One QoS 1 publish; returns when the PUBACK arrived, throws if the connection failed.</summary>
    public async Task PublishAsync(string kind, string payload, CancellationToken ct = default)
    {
        await ConnectAsync(ct);
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(Topic(kind))
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build();
        await _client.PublishAsync(message, ct);
    }

    /// <summary>Publishes until a PUBACK arrives, reconnecting in between (bounded in time).</summary>
    public async Task PublishUntilAckedAsync(string kind, string payload, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                await PublishAsync(kind, payload, cts.Token);
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                try { await _client.DisconnectAsync(); } catch (Exception) { }
                await Task.Delay(200);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        try { if (_client.IsConnected) await _client.DisconnectAsync(); } catch (Exception) { }
        _client.Dispose();
    }
}

/// <summary>The gateway's HTTP API as the tests read it.</summary>
internal static class GatewayApi
{
    public static async Task RegisterAsync(HttpClient http, string meter, string community = "c1", string resource = "water")
    {
        using var r = await http.PostAsJsonAsync("api/v1/meters", new { id = meter, community, resource });
        Assert.True(r.IsSuccessStatusCode, $"register {meter}: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
    }

    public static async Task<JsonElement> MeterAsync(HttpClient http, string meter)
    {
        var all = await http.GetFromJsonAsync<JsonElement>("api/v1/meters");
        return all.EnumerateArray().Single(m => m.GetProperty("id").GetString() == meter);
    }

    public static async Task<long> LastSeqAsync(HttpClient http, string meter) =>
        (await MeterAsync(http, meter)).GetProperty("lastSeq").GetInt64();

    public static async Task<JsonElement> UsageAsync(HttpClient http, string meter, DateTimeOffset from, DateTimeOffset to) =>
        await http.GetFromJsonAsync<JsonElement>(
            $"api/v1/meters/{meter}/usage?from={Uri.EscapeDataString(from.ToString("O"))}&to={Uri.EscapeDataString(to.ToString("O"))}");

    public static async Task<long> ChannelUsageAsync(HttpClient http, string meter, string channel, DateTimeOffset from, DateTimeOffset to)
    {
        var usage = await UsageAsync(http, meter, from, to);
        return usage.GetProperty("channels").EnumerateArray().Single(c => c.GetProperty("name").GetString() == channel)
            .GetProperty("usage").GetInt64();
    }

    /// <summary>The value of one series of /metrics, e.g. metering_rejected_total{reason="duplicate"}.</summary>
    public static async Task<double> MetricAsync(HttpClient http, string series)
    {
        var text = await http.GetStringAsync("metrics");
        var line = text.Split('\n').SingleOrDefault(l => l.StartsWith(series + " ", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"{series} not in /metrics:\n{text}");
        return double.Parse(line[(series.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Polls until the condition holds (bounded), for work the gateway does after an event.</summary>
    public static Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> describe) =>
        Testing.Poll.UntilOrFailAsync(condition, timeout, describe, TimeSpan.FromMilliseconds(100));
}
