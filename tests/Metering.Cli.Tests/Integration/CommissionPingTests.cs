using System.Diagnostics;
using System.Net.Http.Json;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests.Integration;

/// <summary>`commission check --ping` against a real device: the firmware core on this host
/// (tools/Metering.Simulator `device`, the same core as on the ESP32) with its provisioned
/// credentials, on the gateway's embedded broker with authentication on.</summary>
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

    [Fact]
    public void Ping_DeviceOnline_IsAcknowledged_DeviceOffline_TimesOut()
    {
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__RequireAuthentication"] = "true";
        gw.Start();
        using var fleet = new ProvisionedFleet(["w-0050", "w-0051"], Path.Combine(gw.DataDirectory, "broker-credentials.json"), gw.BaseUrl);
        var env = new Dictionary<string, string> { ["METERING_GATEWAY_PASSWORD"] = fleet.GatewayPassword };
        string[] Ping(string meter, int timeoutS) => ["commission", "check", "--ping", "--broker", $"127.0.0.1:{gw.BrokerPort}",
            "--community", ProvisionedFleet.Community, "--meter", meter, "--gateway-user", ProvisionedFleet.GatewayUser, "--timeout-s", timeoutS.ToString()];

        using var device = StartDevice("w-0050", gw.BrokerPort, fleet.Password("w-0050"), Path.Combine(fleet.Folder, "flash-w-0050"));
        try
        {
            // The device is online once the gateway holds its retained `online` status (sent after it subscribed).
            using var http = gw.CreateHttpClient();
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!DeviceOnline(http, "w-0050"))
            {
                Assert.True(DateTime.UtcNow < deadline, $"the device never came online:\n{DeviceOutput}");
                Thread.Sleep(200);
            }
            var online = CliProcess.Run(fleet.Folder, env, Ping("w-0050", 20));
            Assert.True(online.ExitCode == 0, $"{online}\n--- device\n{DeviceOutput}\n--- gateway\n{gw.Output}");
            Assert.Contains("acknowledged by the device", online.Stdout);
        }
        finally
        {
            device.Kill(entireProcessTree: true);
            device.WaitForExit(10_000);
        }

        var offline = CliProcess.Run(fleet.Folder, env, Ping("w-0051", 2));
        Assert.True(offline.ExitCode == ExitCodes.NotSeen, offline.ToString());
        Assert.Contains("is the device online?", offline.Stderr);
    }
}
