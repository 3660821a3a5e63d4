using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests.Integration;

/// <summary>The command line end to end, as a technician runs it: provision against a running
/// gateway (embedded broker with authentication on), export the credentials, dry-run the flash,
/// then the commission check.</summary>
[Trait("Category", "Integration")]
public sealed class CommandLineEndToEndTests
{
    [Fact]
    public async Task Provision_Credentials_DryRunFlash_CommissionCheck()
    {
        using var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__RequireAuthentication"] = "true";
        gw.Start();
        using var work = new TempDir("cli-e2e");
        var registry = Path.Combine(gw.DataDirectory, "broker-credentials.json");

        var provision = CliProcess.Run(work.Path, "provision", "--meter", "w-0042", "--community", "riverside", "--resource", "water",
            "--channel", "main=1/40", "--broker", $"127.0.0.1:{gw.BrokerPort}", "--wifi-ssid", "riverside-mesh", "--wifi-password", "riverside-passphrase",
            "--registry", registry, "--gateway", gw.BaseUrl.ToString());
        Assert.True(provision.ExitCode == 0, provision.ToString());
        var deviceDir = Path.Combine(work.Path, "devices", "w-0042");
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(deviceDir, "config.json")));
        var mqtt = config.RootElement.GetProperty("mqtt");
        Assert.Equal(gw.BrokerPort, mqtt.GetProperty("port").GetInt32());
        var password = mqtt.GetProperty("password").GetString()!;
        Assert.Equal(40, config.RootElement.GetProperty("channels")[0].GetProperty("pulses").GetInt64());
        Assert.DoesNotContain(password, File.ReadAllText(registry)); // only the hash is stored
        using var deploy = JsonDocument.Parse(File.ReadAllText(Path.Combine(deviceDir, "deploy.json")));
        var file = deploy.RootElement.GetProperty("Files")[0];
        Assert.Equal(@"I:\config.json", file.GetProperty("DestinationFilePath").GetString());
        Assert.Equal(Path.Combine(deviceDir, "config.json"), file.GetProperty("SourceFilePath").GetString());

        var again = CliProcess.Run(work.Path, "provision", "--meter", "w-0042", "--community", "riverside", "--resource", "water",
            "--broker", "127.0.0.1:1883", "--wifi-ssid", "riverside-mesh", "--wifi-password", "riverside-passphrase", "--registry", registry);
        Assert.Equal(ExitCodes.AlreadyProvisioned, again.ExitCode);

        var export = CliProcess.Run(work.Path, "broker", "credentials", "--registry", registry, "--out", "mosquitto");
        Assert.True(export.ExitCode == 0, export.ToString());
        Assert.StartsWith("w-0042:$7$", File.ReadAllText(Path.Combine(work.Path, "mosquitto", "passwd")));
        Assert.Contains("topic write commons/v1/riverside/w-0042/up/#", File.ReadAllText(Path.Combine(work.Path, "mosquitto", "acl")));

        var app = work.File("app.bin");
        File.WriteAllBytes(app, [0x4E, 0x46]);
        var flash = CliProcess.Run(work.Path, "flash", "--port", "COM7", "--image", "app.bin", "--deployment", Path.Combine(deviceDir, "deploy.json"), "--dry-run");
        Assert.True(flash.ExitCode == 0, flash.ToString());
        Assert.Equal(
            [
                "nanoff --listports",
                "nanoff --update --target ESP32_PSRAM_REV3 --serialport COM7",
                $"nanoff --nanodevice --deploy --serialport COM7 --image {app}",
                $"nanoff --nanodevice --serialport COM7 --filedeployment {Path.Combine(deviceDir, "deploy.json")}",
            ],
            flash.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));

        string[] check = ["commission", "check", "--as-device", "--broker", $"127.0.0.1:{gw.BrokerPort}", "--community", "riverside", "--meter", "w-0042", "--gateway", gw.BaseUrl.ToString()];
        var wrong = CliProcess.Run(work.Path, [.. check, "--password", "not-the-password"]);
        Assert.True(wrong.ExitCode == ExitCodes.BrokerRefused, wrong.ToString());

        var env = new Dictionary<string, string> { ["METERING_MQTT_PASSWORD"] = password };
        var first = CliProcess.Run(work.Path, env, check);
        Assert.True(first.ExitCode == 0, first.ToString() + gw.Output);
        Assert.Contains("commission check passed", first.Stdout);
        Assert.Contains("reached the gateway", first.Stdout); // the gateway's ping, answered as the device
        var second = CliProcess.Run(work.Path, env, check); // a repair visit: checks again, changes no usage
        Assert.True(second.ExitCode == 0, second.ToString() + gw.Output);

        using var http = gw.CreateHttpClient();
        var meter = (await http.GetFromJsonAsync<JsonElement>("api/v1/meters")).EnumerateArray().Single(m => m.GetProperty("id").GetString() == "w-0042");
        Assert.Equal(2, meter.GetProperty("lastSeq").GetInt64());
        var from = DateTimeOffset.UtcNow.AddDays(-1).ToString("O");
        var to = DateTimeOffset.UtcNow.AddDays(1).ToString("O");
        var usage = await http.GetFromJsonAsync<JsonElement>($"api/v1/meters/w-0042/usage?from={Uri.EscapeDataString(from)}&to={Uri.EscapeDataString(to)}");
        Assert.Equal(0, usage.GetProperty("total").GetInt64());
    }

    [Fact]
    public void ProvisionRunInParallel_LosesNoAccount()
    {
        using var work = new TempDir("cli-parallel");
        var registry = work.File("broker-credentials.json");
        // ~0.3 s of hashing between each one's read and write of the file: without the lock, accounts get lost.
        var results = CliProcess.RunConcurrently(work.Path, Enumerable.Range(1, 6).Select(i => new[]
        {
            "provision", "--meter", $"e-{i:0000}", "--community", "demo", "--resource", "energy", "--broker", "127.0.0.1:1883",
            "--wifi-ssid", "demo-mesh", "--wifi-password", "demo-passphrase", "--registry", registry, "--hash-iterations", "200000",
        }));
        Assert.All(results, r => Assert.True(r.ExitCode == 0, r.ToString()));
        var users = CredentialsFileUsers(registry);
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"e-{i:0000}"), users);
    }

    private static IEnumerable<string> CredentialsFileUsers(string path) =>
        Commons.Metering.Gateway.BrokerAccounts.CredentialsFile.Read(path).Select(a => a.User).Order(StringComparer.Ordinal);

    [Fact]
    public void CommissionCheck_UnregisteredMeter_IsAGatewayError_AsDeviceAndThroughTheGateway()
    {
        using var gw = new GatewayProcess();
        gw.Start();
        using var work = new TempDir("cli-e2e");
        var r = CliProcess.Run(work.Path, "commission", "check", "--as-device", "--broker", $"127.0.0.1:{gw.BrokerPort}", "--community", "demo",
            "--meter", "w-nope", "--password", "x", "--gateway", gw.BaseUrl.ToString());
        Assert.True(r.ExitCode == ExitCodes.GatewayError, r.ToString());
        Assert.Contains("not registered", r.Stderr);
        var ping = CliProcess.Run(work.Path, "commission", "check", "--community", "demo", "--meter", "w-nope", "--gateway", gw.BaseUrl.ToString());
        Assert.True(ping.ExitCode == ExitCodes.GatewayError, ping.ToString());
        Assert.Contains("not registered", ping.Stderr);
    }
}
