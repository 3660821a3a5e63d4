using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Cli;

/// <summary>`commission check --as-device`, the downlink half: connected as the device, the check asks
/// the gateway to ping the meter (POST /api/v1/meters/{id}/ping) and answers the ping itself, as the
/// device would (docs/protocol.md, ack). That proves the gateway's downlink reaches the device's
/// session and the device's account may publish its acks. Only `ping` is answered: a real command
/// (valve, allowance) arriving meanwhile is left alone, never falsely acknowledged.</summary>
internal static partial class CommissionCheck
{
    private static async Task<int> DownlinkAsync(IMqttClient client, ChannelReader<string> pings, GatewayClient gateway, Settings s, CancellationToken cancel)
    {
        var root = $"commons/v1/{s.Community}/{s.Meter}";
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var answering = AnswerAsync(client, root, pings, stop.Token);
        GatewayClient.PingAnswer answer;
        try
        {
            answer = await gateway.PingAsync(s.Meter, (int)Math.Min(s.Timeout.TotalSeconds, CommissionGatewayPing.MaxRoundS), cancel);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancel.IsCancellationRequested)
        {
            return ProvisionCommand.Fail(ExitCodes.GatewayError, $"gateway {s.Gateway} did not answer the ping request: {e.Message}");
        }
        finally
        {
            await stop.CancelAsync();
            try { await answering; } catch (OperationCanceledException) { }
        }
        if (answer is { Status: System.Net.HttpStatusCode.OK, Outcome: "acked" })
        {
            Console.WriteLine($"  the gateway's ping {answer.Cid} arrived on {root}/down/cmd; its ack reached the gateway after {answer.RoundTripMs} ms");
            return ExitCodes.Ok;
        }
        return answer.Status == System.Net.HttpStatusCode.GatewayTimeout
            ? ProvisionCommand.Fail(ExitCodes.NotSeen, $"the gateway's ping never arrived on {root}/down/cmd, or the ack never reached the gateway: {answer.Problem}")
            : ProvisionCommand.Fail(ExitCodes.GatewayError, $"the gateway refused the ping: {answer.Problem ?? answer.Outcome + " " + answer.Error}");
    }

    private static async Task AnswerAsync(IMqttClient client, string root, ChannelReader<string> pings, CancellationToken cancel)
    {
        await foreach (var cid in pings.ReadAllAsync(cancel))
        {
            var ack = $"{{\"v\":1,\"cid\":\"{cid}\",\"ok\":true,\"ts\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}";
            try
            {
                await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"{root}/up/ack").WithPayload(ack)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancel);
            }
            // A slow commit lets the gateway resend the ping; the gateway may then answer while the second
            // ack is in flight, and stopping cancels it (MQTTnet reports that as a timeout). Either way the
            // gateway's answer decides, not this publish.
            catch (Exception e) when (e is MqttCommunicationException or OperationCanceledException)
            {
                if (cancel.IsCancellationRequested) return;
                Console.WriteLine($"  could not send the ack of {cid}: {e.Message}");
            }
        }
    }

    /// <summary>The cid of a `ping` command (docs/protocol.md, command), else null. Published from the
    /// main flow, not from MQTTnet's receive handler, which must not wait for a PUBACK.</summary>
    internal static string? PingCid(ReadOnlySpan<byte> payload)
    {
        try
        {
            using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(payload));
            var r = doc.RootElement;
            return r.ValueKind == JsonValueKind.Object && r.TryGetProperty("op", out var op) && op.ValueKind == JsonValueKind.String && op.GetString() == "ping"
                && r.TryGetProperty("cid", out var cid) && cid.ValueKind == JsonValueKind.String && WireIds.IsToken(cid.GetString()!) ? cid.GetString() : null;
        }
        catch (JsonException) { return null; }
    }
}
