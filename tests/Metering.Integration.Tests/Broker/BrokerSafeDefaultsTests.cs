using System.Globalization;
using System.Net.Sockets;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Gateway;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Tests.Broker;

/// <summary>The embedded broker as an attacker meets it, against the built gateway: a field gateway
/// starts with authentication on (and refuses to start without accounts), refuses to run open on a
/// network address, and does not buffer a huge packet announced before any password was checked.</summary>
[Trait("Category", "Integration")]
public sealed class BrokerSafeDefaultsTests
{
    [Fact]
    public void FieldGatewayWithoutCredentials_RefusesToStart_NamingTheSetting()
    {
        using var gw = new GatewayProcess();
        gw.Environment.Remove("Metering__Broker__RequireAuthentication"); // the field default
        Assert.Equal(2, gw.RunToExit());
        Assert.Contains("Metering:Broker:RequireAuthentication is on", gw.Output);
        Assert.Contains("broker-credentials.json does not exist", gw.Output);
        Assert.Contains("Metering__Broker__RequireAuthentication=false", gw.Output);
    }

    [Fact]
    public void NetworkAddressWithoutAuthentication_RefusesToStart_UnlessTheOperatorSaysSo()
    {
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__Host"] = "0.0.0.0";
        Assert.Equal(2, gw.RunToExit());
        Assert.Contains("Metering:Broker:Host is not a loopback address while Broker:RequireAuthentication is false", gw.Output);
        Assert.Contains("Metering__Broker__AllowAnonymousOnNetwork", gw.Output);
    }

    [Fact]
    public async Task ByDefault_AnonymousClientsCanNeitherPublishAsAMeterNorCommandADevice()
    {
        using var gw = new GatewayProcess();
        gw.Environment.Remove("Metering__Broker__RequireAuthentication"); // the field default
        var passwords = EmbeddedBrokerTlsTests.Provision(gw.DataDirectory, "w-0028");
        gw.Start();
        using var anonymous = new MqttClientFactory().CreateMqttClient();
        var options = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", gw.BrokerPort).WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId("w-0028").WithTimeout(TimeSpan.FromSeconds(10)).Build();
        Assert.Equal(MqttClientConnectResultCode.BadUserNameOrPassword, (await anonymous.ConnectAsync(options)).ResultCode);
        using var http = gw.CreateHttpClient();
        Assert.Equal(1, await GatewayApi.MetricAsync(http, "metering_broker_auth_failures_total{reason=\"anonymous\"}"));

        // The provisioned device still gets in.
        using var device = new MqttClientFactory().CreateMqttClient();
        var ok = await device.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", gw.BrokerPort)
            .WithProtocolVersion(MqttProtocolVersion.V311).WithClientId("w-0028").WithCredentials("w-0028", passwords["w-0028"])
            .WithTimeout(TimeSpan.FromSeconds(10)).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, ok.ResultCode);
    }

    /// <summary>MQTT's largest remaining length is 268,435,455; the attack announced 250 MB.</summary>
    private const int AnnouncedBytes = 250_000_000;

    [Fact]
    public async Task A250MegabyteConnect_IsRefusedBeforeItIsBuffered_ProcessMemoryStaysBounded()
    {
        using var gw = new GatewayProcess();
        gw.Start();
        using var http = gw.CreateHttpClient();
        var pid = gw.Pid!.Value;
        var before = ProcStatusBytes(pid, "VmRSS");

        // A CONNECT fixed header announcing 250 MB (MQTT 3.1.1 2.2: type 1, remaining length as a
        // variable byte integer), then the body, 1 MiB at a time, until the broker closes the connection.
        var sent = 0L;
        using (var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp))
        {
            await socket.ConnectAsync("127.0.0.1", gw.BrokerPort);
            var header = new List<byte> { 0x10 };
            for (var n = AnnouncedBytes; ; n >>= 7)
            {
                header.Add((byte)((n & 0x7F) | (n > 0x7F ? 0x80 : 0)));
                if (n <= 0x7F) break;
            }
            await socket.SendAsync(header.ToArray());
            var chunk = new byte[1 << 20];
            try
            {
                while (sent < AnnouncedBytes)
                    sent += await socket.SendAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, AnnouncedBytes - sent)));
            }
            catch (SocketException)
            {
                // Closed by the broker: what should happen.
            }
        }
        var after = ProcStatusBytes(pid, "VmRSS");
        var peak = ProcStatusBytes(pid, "VmHWM");

        // Only the kernel's socket buffers take anything once the broker stops reading (a few MiB on loopback).
        Assert.True(sent < 64L << 20, $"the broker read {sent / 1048576} MiB of the announced 250 MB before closing the connection");
        Assert.True(after - before < 64L << 20, $"RSS grew from {before / 1048576} to {after / 1048576} MiB (peak {peak / 1048576} MiB)");
        Assert.Equal(1, await GatewayApi.MetricAsync(http, "metering_broker_oversized_packets_total"));

        // The broker serves ordinary clients as before.
        using var client = new MqttClientFactory().CreateMqttClient();
        var r = await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", gw.BrokerPort)
            .WithProtocolVersion(MqttProtocolVersion.V311).WithClientId("w-0001").WithTimeout(TimeSpan.FromSeconds(10)).Build());
        Assert.Equal(MqttClientConnectResultCode.Success, r.ResultCode);
        var pub = await client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic("commons/v1/demo/w-0001/up/status")
            .WithPayload("{\"v\":1,\"state\":\"online\"}").WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.True(pub.IsSuccess);
    }

    /// <summary>A field of /proc/{pid}/status in bytes (proc(5): VmRSS resident now, VmHWM peak resident).</summary>
    private static long ProcStatusBytes(int pid, string field)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
                return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
        throw new InvalidOperationException($"/proc/{pid}/status has no {field}");
    }
}
