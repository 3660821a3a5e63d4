using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Commons.Metering.Gateway.Hosting;
using Commons.Metering.Testing;

namespace Commons.Metering.Gateway.Tests.Hosting;

/// <summary>The built gateway as a process, started the way a Type=notify systemd unit starts it:
/// NOTIFY_SOCKET names a datagram socket this test listens on, WATCHDOG_USEC asks for pings. It says
/// READY=1 once it serves and pings WATCHDOG=1 about every half interval;
/// /healthz and the start-up lines carry the version stamped from VERSION.</summary>
public sealed class SystemdAndVersionTests : IDisposable
{
    private readonly TempDir _dir = new("notify");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task UnderANotifySocket_TheGatewaySaysReady_PingsTheWatchdog_AndServesItsVersion()
    {
        var socketPath = Path.Combine(_dir.Path, "notify.sock");
        using var socket = new Socket(AddressFamily.Unix, SocketType.Dgram, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(socketPath));
        using var gw = new GatewayProcess();
        gw.Environment["NOTIFY_SOCKET"] = socketPath;
        gw.Environment["WATCHDOG_USEC"] = "1000000";
        gw.Start();

        var messages = new List<string>();
        var buffer = new byte[4096];
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (messages.Count(m => m == "WATCHDOG=1") < 3)
        {
            var n = await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            messages.Add(Encoding.UTF8.GetString(buffer, 0, n));
        }
        Assert.StartsWith("READY=1\nSTATUS=running " + GatewayVersion.Informational, messages[0]);

        using var http = gw.CreateHttpClient();
        using var health = JsonDocument.Parse(await http.GetStringAsync("healthz"));
        Assert.Equal(GatewayVersion.Informational, health.RootElement.GetProperty("version").GetString());
        Assert.Equal("off", health.RootElement.GetProperty("backup").GetProperty("state").GetString());
        Assert.StartsWith(File.ReadAllText(Path.Combine(RepositoryRoot, "VERSION")).Trim() + "+", GatewayVersion.Informational);
        Assert.Contains($"Commons Metering gateway {GatewayVersion.Informational}", gw.Output);
    }

    private static string RepositoryRoot
    {
        get
        {
            return RepoPaths.Root;
        }
    }
}
