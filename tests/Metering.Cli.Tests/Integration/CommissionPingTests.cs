using System.Diagnostics;
using System.Net.Http.Json;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests.Integration;

/// <summary>`commission check` (the ping through the gateway's POST /api/v1/meters/{id}/ping) and its
/// fallback `--via-broker` against a real device: the firmware core on this host (tools/Metering.Simulator
/// `device`, the same core as on the ESP32) with its provisioned credentials, on the gateway's embedded
/// broker with authentication on.</summary>
[Trait("Category", "Integration")]
public sealed class CommissionPingTests
{
    private static readonly System.Text.StringBuilder DeviceOutput = new();

    private static Process StartDevice(string meter, int brokerPort, string password, string dataDirectory)
    {
        var dll = Path.Combine(Path.GetDirectoryName(CliProcess.Dll)!.Replace(Path.Combine("tools", "Metering.Cli"), Path.Combine("tools", "Metering.Simulator")), "Metering.Simulator.dll");
        Assert.True(File.Exists(dll), $"build tools/Metering.Simulator first: {dll} is missing");
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { dll, "device", "--meter", meter, "--community", ProvisionedFleet.Community, "--broker", $"127.0.0.1:{brokerPort}",
                     "--username", meter, "--interval-ms", "1000", "--data", dataDirectory })
            psi.ArgumentList.Add(a);
        psi.Environment["METERING_MQTT_PASSWORD"] = password;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, e) => { lock (DeviceOutput) DeviceOutput.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (DeviceOutput) DeviceOutput.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    private static bool DeviceOnline(HttpClient http, string meter)
    {
        var meters = http.GetFromJsonAsync<System.Text.Json.JsonElement>("api/v1/meters").GetAwaiter().GetResult();
        var m = meters.EnumerateArray().Single(e => e.GetProperty("id").GetString() == meter);
        return m.GetProperty("status") is { ValueKind: System.Text.Json.JsonValueKind.Object } st && st.GetProperty("state").GetString() == "online";
    }

    /// <summary>Until the gateway holds the device's retained status as <paramref name="online"/> says
    /// (`online` is sent after the device subscribed; `offline` is its last will).</summary>
    private static void UntilOnline(GatewayProcess gw, string meter, bool online)
    {
        using var http = gw.CreateHttpClient();
        Assert.True(Poll.Until(() => DeviceOnline(http, meter) == online, TimeSpan.FromSeconds(30), TimeSpan.FromMilliseconds(200)),
            $"{meter} never showed {(online ? "online" : "offline")}:\n{DeviceOutput}");
    }

    [Fact]
    public void Ping_ThroughTheGatewayAndViaBroker_DeviceOnline_IsAcknowledged_DeviceNeverSeenOrOffline_TimesOut()
    {
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__RequireAuthentication"] = "true";
        gw.Start();
        using var fleet = new ProvisionedFleet(["w-0050", "w-0051"], Path.Combine(gw.DataDirectory, "broker-credentials.json"), gw.BaseUrl);
        var env = new Dictionary<string, string> { ["METERING_GATEWAY_PASSWORD"] = fleet.GatewayPassword };
        string[] Ping(string meter, int timeoutS) => ["commission", "check", "--gateway", gw.BaseUrl.ToString(),
            "--community", ProvisionedFleet.Community, "--meter", meter, "--timeout-s", timeoutS.ToString()];
        string[] ViaBroker(string meter, int timeoutS) => ["commission", "check", "--via-broker", "--broker", $"127.0.0.1:{gw.BrokerPort}",
            "--community", ProvisionedFleet.Community, "--meter", meter, "--gateway-user", ProvisionedFleet.GatewayUser, "--timeout-s", timeoutS.ToString()];

        using var device = StartDevice("w-0050", gw.BrokerPort, fleet.Password("w-0050"), Path.Combine(fleet.Folder, "flash-w-0050"));
        try
        {
            UntilOnline(gw, "w-0050", online: true);
            var online = CliProcess.Run(fleet.Folder, Ping("w-0050", 20)); // no broker credentials needed
            Assert.True(online.ExitCode == 0, $"{online}\n--- device\n{DeviceOutput}\n--- gateway\n{gw.Output}");
            Assert.Contains("status online", online.Stdout);
            Assert.Contains("its ack came back to the gateway", online.Stdout);
            var viaBroker = CliProcess.Run(fleet.Folder, env, ViaBroker("w-0050", 20));
            Assert.True(viaBroker.ExitCode == 0, $"{viaBroker}\n--- device\n{DeviceOutput}");
            Assert.Contains("acknowledged by the device", viaBroker.Stdout);
        }
        finally
        {
            device.Kill(entireProcessTree: true);
            device.WaitForExit(10_000);
        }

        var never = CliProcess.Run(fleet.Folder, Ping("w-0051", 2));
        Assert.True(never.ExitCode == ExitCodes.NotSeen, never.ToString());
        Assert.Contains("never heard from it", never.Stderr);
        var neverViaBroker = CliProcess.Run(fleet.Folder, env, ViaBroker("w-0051", 2));
        Assert.True(neverViaBroker.ExitCode == ExitCodes.NotSeen, neverViaBroker.ToString());
        Assert.Contains("is the device online?", neverViaBroker.Stderr);
        UntilOnline(gw, "w-0050", online: false); // killed: the broker published its "offline" will
        var offline = CliProcess.Run(fleet.Folder, Ping("w-0050", 1));
        Assert.True(offline.ExitCode == ExitCodes.NotSeen, offline.ToString());
        Assert.Contains("offline since", offline.Stderr);
    }
}
