using System.Buffers;
using System.Diagnostics;
using System.Text;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;

namespace Commons.Metering.Cli;

/// <summary>The steps of `commission check`. The test reading is harmless to the ledger: it repeats
/// each channel's last register (a meter never seen gets register 0 on one channel, its register at
/// commissioning), so it adds no usage; its seq is the gateway's last seq + 1, so the device's own
/// reading with that seq, if any, is taken as a redelivery and dropped (a lost reading costs
/// resolution, never usage: docs/protocol.md, reading). Then the downlink: CommissionCheck.Downlink.cs.</summary>
internal static partial class CommissionCheck
{
    internal sealed record Settings(Endpoint Broker, string User, string? Password, string Community, string Meter,
        Uri Gateway, string Channel, TimeSpan Timeout);

    public static async Task<int> RunAsync(Settings s, CancellationToken cancel)
    {
        const int steps = 5;
        using var gateway = new GatewayClient(s.Gateway);
        Progress.Step(1, steps, $"asking {s.Gateway} about {s.Meter}");
        var (before, failed) = await CommissionGatewayPing.RegisteredAsync(gateway, s.Gateway, s.Community, s.Meter, cancel);
        if (before is null) return failed;

        var root = $"commons/v1/{s.Community}/{s.Meter}";
        using var client = new MqttClientFactory().CreateMqttClient();
        var pings = System.Threading.Channels.Channel.CreateUnbounded<string>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            if (PingCid(e.ApplicationMessage.Payload.ToArray()) is { } cid) pings.Writer.TryWrite(cid);
            return Task.CompletedTask;
        };
        Progress.Step(2, steps, $"connecting to {s.Broker} as {s.User} (client id {s.Meter})");
        var connect = new MqttClientOptionsBuilder()
            .WithTcpServer(s.Broker.Host, s.Broker.Port)
            .WithProtocolVersion(MQTTnet.Formatter.MqttProtocolVersion.V311)
            .WithClientId(s.Meter)
            .WithCleanSession(false) // as the device does (docs/protocol.md, Transport)
            .WithCredentials(s.User, s.Password ?? "")
            .WithTimeout(TimeSpan.FromSeconds(10))
            .Build();
        try
        {
            var result = await client.ConnectAsync(connect, cancel);
            if (result.ResultCode != MqttClientConnectResultCode.Success)
                return ProvisionCommand.Fail(ExitCodes.BrokerRefused, $"the broker refused the connection: {result.ResultCode}");
        }
        catch (MQTTnet.Adapter.MqttConnectingFailedException e)
        {
            return ProvisionCommand.Fail(ExitCodes.BrokerRefused, $"the broker refused the connection: {e.Message}");
        }
        catch (MqttCommunicationException e)
        {
            return ProvisionCommand.Fail(ExitCodes.BrokerUnreachable, $"broker {s.Broker} unreachable: {e.Message}");
        }
        catch (OperationCanceledException e) when (!cancel.IsCancellationRequested)
        {
            return ProvisionCommand.Fail(ExitCodes.BrokerUnreachable, $"broker {s.Broker} did not answer: {e.Message}");
        }

        var sub = await client.SubscribeAsync($"{root}/down/cmd", MqttQualityOfServiceLevel.AtLeastOnce, cancel);
        var granted = sub.Items.All(i => i.ResultCode is MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1 or MqttClientSubscribeResultCode.GrantedQoS2);
        if (!granted) return ProvisionCommand.Fail(ExitCodes.BrokerRefused, $"the broker refused the subscription to {root}/down/cmd: {string.Join(", ", sub.Items.Select(i => i.ResultCode))}");
        Console.WriteLine($"  connected; subscription to {root}/down/cmd granted");

        var seq = (before.LastSeq ?? 0) + 1;
        var channels = before.Channels.Count > 0 ? before.Channels.Select(c => (c.Name, c.Register)).ToList() : [(s.Channel, 0L)];
        var payload = Reading(seq, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), before.Unit, channels);
        Progress.Step(3, steps, $"publishing reading seq {seq} to {root}/up/reading");
        var pub = await client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"{root}/up/reading").WithPayload(payload).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancel);
        if (!pub.IsSuccess) return ProvisionCommand.Fail(ExitCodes.BrokerRefused, $"the broker did not accept the reading: {pub.ReasonCode}");

        Progress.Step(4, steps, "waiting for the gateway to show it");
        var clock = Stopwatch.StartNew();
        var lastBar = TimeSpan.MinValue;
        while (clock.Elapsed < s.Timeout)
        {
            var now = await gateway.FindAsync(s.Meter, cancel);
            if (now?.LastSeq >= seq)
            {
                Console.WriteLine($"  seen by the gateway after {clock.ElapsedMilliseconds} ms: lastSeq {now.LastSeq}");
                Progress.Step(5, steps, $"asking the gateway to ping {s.Meter}; answering it as the device");
                var downlink = await DownlinkAsync(client, pings.Reader, gateway, s, cancel);
                await client.DisconnectAsync(cancellationToken: CancellationToken.None);
                if (downlink != ExitCodes.Ok) return downlink;
                Console.WriteLine("commission check passed: the device's credentials, subscription, uplink and the gateway's downlink work " +
                                  "(once the device is powered, run it without --as-device: the round trip with the device itself)");
                return ExitCodes.Ok;
            }
            if (clock.Elapsed - lastBar >= TimeSpan.FromSeconds(1))
            {
                lastBar = clock.Elapsed;
                Console.WriteLine("  " + Progress.Bar("waiting", clock.Elapsed, s.Timeout));
            }
            await Task.Delay(200, cancel);
        }
        return ProvisionCommand.Fail(ExitCodes.NotSeen, $"the gateway did not show seq {seq} of '{s.Meter}' within {s.Timeout.TotalSeconds:0} s (check /metrics for metering_rejected_total)");
    }

    /// <summary>docs/protocol.md, reading: {"v":1,"seq":..,"ts":..,"ch":[{"n":..,"u":..,"reg":..}]}.</summary>
    internal static string Reading(long seq, long tsMs, string unit, IEnumerable<(string Name, long Register)> channels)
    {
        var sb = new StringBuilder($"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs},\"ch\":[");
        var first = true;
        foreach (var (name, register) in channels)
        {
            if (!first) sb.Append(',');
            first = false;
            sb.Append($"{{\"n\":\"{name}\",\"u\":\"{unit}\",\"reg\":{register}}}");
        }
        return sb.Append("]}").ToString();
    }
}
