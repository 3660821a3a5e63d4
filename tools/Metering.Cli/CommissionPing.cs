using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Commons.Metering.Cli;

/// <summary>`commission check --via-broker`: the fallback for a gateway without the ping endpoint
/// (the default goes through the gateway: CommissionGatewayPing). Connects
/// as the gateway account (which may write every downlink and read every uplink), sends a `ping`
/// command to the device's down/cmd and waits for the device's ack with that cid on up/ack
/// (docs/protocol.md, command and ack). Works the same with mosquitto and the embedded broker; it
/// does not connect as the device, so the device stays connected.</summary>
internal static class CommissionPing
{
    /// <summary>A ping older than this is refused by the device ('expired'): long enough for a device
    /// that reconnects with backoff (DeviceConfig.ReconnectMaxMs is 5 min) to still answer.</summary>
    private static readonly TimeSpan Expiry = TimeSpan.FromMinutes(5);

    /// <summary>How often the ping is sent again while no ack came.</summary>
    private static readonly TimeSpan ResendInterval = TimeSpan.FromSeconds(5);

    internal sealed record Settings(Endpoint Broker, string GatewayUser, string? GatewayPassword, string Community, string Meter, TimeSpan Timeout);

    public static async Task<int> RunAsync(Settings s, CancellationToken cancel)
    {
        var root = $"commons/v1/{s.Community}/{s.Meter}";
        var cid = "commission-" + Convert.ToHexString(RandomNumberGenerator.GetBytes(4)).ToLowerInvariant();
        var acks = new TaskCompletionSource<JsonElement>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            try
            {
                using var doc = JsonDocument.Parse(Encoding.UTF8.GetString(e.ApplicationMessage.Payload));
                if (doc.RootElement.TryGetProperty("cid", out var c) && c.GetString() == cid) acks.TrySetResult(doc.RootElement.Clone());
            }
            catch (JsonException) { }
            return Task.CompletedTask;
        };
        Progress.Step(1, 3, $"connecting to {s.Broker} as the gateway account {s.GatewayUser}");
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(s.Broker.Host, s.Broker.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithClientId(cid)
            .WithCleanSession(true)
            .WithCredentials(s.GatewayUser, s.GatewayPassword ?? "")
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        try
        {
            var result = await client.ConnectAsync(options, cancel);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
                return ProvisionCommand.Fail(ExitCodes.BrokerRefused, $"the broker refused the gateway account: {result.ResultCode}");
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e)
        {
            return ProvisionCommand.Fail(ExitCodes.BrokerRefused, $"the broker refused the gateway account: {e.Message}");
        }
        catch (MqttCommunicationException e)
        {
            return ProvisionCommand.Fail(ExitCodes.BrokerUnreachable, $"broker {s.Broker} unreachable: {e.Message}");
        }
        var sub = await client.SubscribeAsync($"{root}/up/ack", MqttQualityOfServiceLevel.AtLeastOnce, cancel);
        if (sub.Items.Any(i => i.ResultCode is not (MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2)))
            return ProvisionCommand.Fail(ExitCodes.BrokerRefused, $"the broker refused the subscription to {root}/up/ack");

        var exp = DateTimeOffset.UtcNow.Add(Expiry).ToUnixTimeMilliseconds();
        var command = new MqttApplicationMessageBuilder().WithTopic($"{root}/down/cmd")
            .WithPayload($"{{\"v\":1,\"cid\":\"{cid}\",\"exp\":{exp},\"op\":\"ping\"}}")
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();
        Progress.Step(2, 3, $"sending ping {cid} to {root}/down/cmd");
        await client.PublishAsync(command, cancel);

        Progress.Step(3, 3, "waiting for the device's ack");
        var clock = Stopwatch.StartNew();
        var lastSent = TimeSpan.Zero;
        while (!acks.Task.IsCompleted && clock.Elapsed < s.Timeout)
        {
            await Task.WhenAny(acks.Task, Task.Delay(TimeSpan.FromSeconds(1), cancel));
            if (acks.Task.IsCompleted) break;
            Console.WriteLine("  " + Progress.Bar("waiting", clock.Elapsed, s.Timeout));
            // A device that had no session yet (first connect) or was between reconnects missed it:
            // send again; the same cid is executed at most once (docs/protocol.md, command).
            if (clock.Elapsed - lastSent >= ResendInterval)
            {
                lastSent = clock.Elapsed;
                await client.PublishAsync(command, cancel);
            }
        }
        await client.DisconnectAsync(cancellationToken: CancellationToken.None);
        if (!acks.Task.IsCompleted)
            return ProvisionCommand.Fail(ExitCodes.NotSeen, $"no ack for {cid} from '{s.Meter}' within {s.Timeout.TotalSeconds:0} s: is the device online?");
        var ack = acks.Task.Result;
        if (!ack.TryGetProperty("ok", out var ok) || ok.ValueKind != JsonValueKind.True)
            return ProvisionCommand.Fail(ExitCodes.NotSeen, $"the device refused the ping: {ack}");
        Console.WriteLine($"  ack after {clock.ElapsedMilliseconds} ms: {ack}");
        Console.WriteLine("commission check passed: downlink delivered and acknowledged by the device");
        return ExitCodes.Ok;
    }
}
