using System.Text.Json;
using System.Text.RegularExpressions;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests;

/// <summary>Devices provisioned with the real command line into a temporary folder, and their
/// mosquitto files exported with `metering broker credentials`.</summary>
internal sealed partial class ProvisionedFleet : IDisposable
{
    public const string Community = "demo";
    public const string GatewayUser = "metering-gateway";

    private readonly TempDir _dir = new("fleet");
    private readonly Dictionary<string, string> _passwords = [];

    /// <param name="registry">Credentials file (default: in the fleet's folder).</param>
    /// <param name="gateway">Gateway to register the meters with (optional).</param>
    public ProvisionedFleet(IEnumerable<string> meters, string? registry = null, Uri? gateway = null)
    {
        Registry = registry ?? _dir.File("broker-credentials.json");
        foreach (var meter in meters)
        {
            var args = new List<string> { "provision", "--meter", meter, "--community", Community, "--resource", "water",
                "--broker", "127.0.0.1:1883", "--wifi-ssid", "commons-mesh", "--wifi-password", "not-a-real-passphrase", "--registry", Registry, "--out", DeviceFolder(meter), "--hash-iterations", "1000" };
            if (gateway is not null) args.AddRange(["--gateway", gateway.ToString()]);
            var r = CliProcess.Run(_dir.Path, [.. args]);
            Assert.True(r.ExitCode == 0, r.ToString());
            using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(DeviceFolder(meter), "config.json")));
            _passwords[meter] = config.RootElement.GetProperty("mqtt").GetProperty("password").GetString()!;
            Assert.Contains(_passwords[meter], r.Stdout); // shown once, on the console
        }
        var export = CliProcess.Run(_dir.Path, "broker", "credentials", "--registry", Registry, "--out", MosquittoFolder, "--gateway-user", GatewayUser);
        Assert.True(export.ExitCode == 0, export.ToString());
        GatewayPassword = GatewayPasswordLine().Match(export.Stdout).Groups[1].Value;
        Assert.NotEmpty(GatewayPassword);
    }

    public string Folder => _dir.Path;
    public string Registry { get; }
    public string MosquittoFolder => _dir.File("mosquitto");
    public string PasswordFile => Path.Combine(MosquittoFolder, "passwd");
    public string AclFile => Path.Combine(MosquittoFolder, "acl");
    public string GatewayPassword { get; }

    public string DeviceFolder(string meter) => _dir.File(Path.Combine("devices", meter));

    public string Password(string meter) => _passwords[meter];

    public static string Topic(string meter, string suffix) => $"commons/v1/{Community}/{meter}/{suffix}";

    public void Dispose() => _dir.Dispose();

    [GeneratedRegex(@"gateway account '[^']+' created; password \(shown once[^)]*\): (\S+)")]
    private static partial Regex GatewayPasswordLine();
}
