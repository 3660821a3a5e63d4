using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests;

/// <summary>`metering provision` writes I:\config.json in the device's own format: the real command
/// line builds it from hardware/pinmaps, and the device's own parser (the firmware core's
/// DeviceSetupParser, as ConfigFile.Load on the ESP32 runs it) reads it back.</summary>
public sealed class ProvisionConfigTests
{
    private const string WifiPassword = "wifi-passphrase-9f3k";

    private static string[] Provision(string meter, string resource, params string[] extra) =>
    [
        "provision", "--meter", meter, "--community", "riverside", "--resource", resource, "--broker", "192.0.2.10:1884",
        "--wifi-ssid", "riverside-mesh", "--wifi-password", WifiPassword, "--registry", "broker-credentials.json", "--hash-iterations", "100", .. extra,
    ];

    private static DeviceSetup Parse(byte[] bytes, string what)
    {
        var setup = new DeviceSetup();
        var error = new DeviceSetupParser().Parse(bytes, bytes.Length, setup);
        Assert.True(error is null, $"{what}: {error}");
        return setup;
    }

    private static DeviceSetup PinMap(string variant) =>
        Parse(File.ReadAllBytes(Path.Combine(CliProcess.RepositoryRoot, "hardware", "pinmaps", variant + ".json")), variant);

    private sealed record Channel(string Name, string Kind, string Unit, string Source, string? Pin, string? Valve, string? Relay,
        long Units, long Pulses, int DebounceMs, long OffsetCounts, long GramsNumerator, long CountsDenominator, int Samples);

    private static List<Channel> Channels(DeviceSetup s) => s.Channels.Take(s.ChannelCount)
        .Select(c => new Channel(c.Name, c.Kind, c.Unit, c.Source, c.Pin, c.Valve, c.Relay, c.UnitsNumerator, c.PulsesDenominator, c.DebounceMs,
            c.OffsetCounts, c.GramsNumerator, c.CountsDenominator, c.Samples)).ToList();

    private static List<(string, int, int)> Pins(DeviceSetup s) => s.Pins.Take(s.PinCount).Select(p => (p.Role, p.Gpio, p.Mode)).ToList();

    [Theory]
    [InlineData("water", "water-node", "main=1/40")]
    [InlineData("energy", "energy-node", "sub=2/3")]
    [InlineData("forest", "forest-node", "harvest=8372:-1/44")]
    public void Provision_WritesAFileTheDeviceAccepts_WithThePinMapsPinsAndChannels_AndTheCalibrationApplied(string resource, string variant, string calibration)
    {
        using var work = new TempDir("cli-config");
        var r = CliProcess.Run(work.Path, Provision("m-0001", resource, "--channel", calibration));
        Assert.True(r.ExitCode == 0, r.ToString());

        var path = Path.Combine(work.Path, "devices", "m-0001", "config.json");
        var device = Parse(File.ReadAllBytes(path), "config.json");
        Assert.Null(device.CheckDeployable());
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));

        var map = PinMap(variant);
        Assert.Equal((map.Board, variant, resource), (device.Board, device.Variant, device.Resource));
        Assert.Equal(("riverside", "m-0001", "1.0.0"), (device.Config.Community, device.Config.MeterId, device.Config.FirmwareVersion));
        Assert.Equal(("riverside-mesh", WifiPassword), (device.WifiSsid, device.WifiPassword));
        Assert.Equal(("192.0.2.10", 1884, "m-0001"), (device.MqttHost, device.MqttPort, device.MqttUser));
        Assert.Contains(device.MqttPassword, r.Stdout); // the broker password is shown once ...
        Assert.DoesNotContain(WifiPassword, r.Stdout + r.Stderr); // ... the Wi-Fi passphrase never
        Assert.Equal(Pins(map), Pins(device));
        Assert.Equal((map.SleepIntervalS, map.AwakeMaxS, map.PzemAddress), (device.SleepIntervalS, device.AwakeMaxS, device.PzemAddress));

        var expected = Channels(map);
        var name = calibration[..calibration.IndexOf('=')];
        var i = expected.FindIndex(c => c.Name == name);
        var o = ChannelOverrideParser.Parse(calibration);
        if (expected[i].Kind == Firmware.Drivers.ChannelSpec.KindPulse)
        {
            var (units, pulses) = ChannelOverrideParser.PulseFactor(o);
            Assert.NotEqual((units, pulses), (expected[i].Units, expected[i].Pulses)); // the override changes something
            expected[i] = expected[i] with { Units = units, Pulses = pulses };
        }
        else
        {
            var (offset, grams, counts) = ChannelOverrideParser.LoadCell(o);
            expected[i] = expected[i] with { OffsetCounts = offset, GramsNumerator = grams, CountsDenominator = counts };
            Assert.True(device.Scale.IsCalibrated); // the device weighs with it
        }
        Assert.Equal(expected, Channels(device));

        // One description of the format: every key written is in firmware/README.md's table.
        var readme = File.ReadAllText(Path.Combine(CliProcess.RepositoryRoot, "firmware", "README.md"));
        using var json = System.Text.Json.JsonDocument.Parse(File.ReadAllText(path));
        Assert.All(json.RootElement.EnumerateObject(), p =>
            Assert.True(readme.Contains($"`{p.Name}`") || readme.Contains($"`{p.Name}[]`"), $"firmware/README.md does not describe `{p.Name}`"));
    }

    [Fact]
    public void Provision_WithoutCalibrations_WritesThePinMapsChannelsUnchanged()
    {
        using var work = new TempDir("cli-config");
        var r = CliProcess.Run(work.Path, Provision("w-0001", "water"));
        Assert.True(r.ExitCode == 0, r.ToString());
        var device = Parse(File.ReadAllBytes(Path.Combine(work.Path, "devices", "w-0001", "config.json")), "config.json");
        Assert.Equal("water-node", device.Variant);
        Assert.Equal(Channels(PinMap("water-node")), Channels(device));
    }

    public static TheoryData<string[], int, string> Refusals() => new()
    {
        { ["--resource", "water", "--channel", "nope=1/2"], ExitCodes.Usage, "pin map water-node has no channel 'nope' (its channels: main, garden)" },
        { ["--resource", "energy", "--channel", "grid=1/2"], ExitCodes.Usage, "channel 'grid' is a register channel (pzem): it takes no calibration" },
        { ["--resource", "water", "--variant", "energy-node"], ExitCodes.Usage, "variant energy-node counts Wh (channel grid); --resource water counts mL" },
        { ["--resource", "water", "--variant", "gas-node"], ExitCodes.Usage, "no pin map for variant 'gas-node'" },
        { ["--resource", "water", "--reading-interval-ms", "500"], ExitCodes.Usage, "the device would refuse this configuration: reading_interval_ms must be in 1000.." },
        { ["--resource", "water", "--wifi-ssid", "a-network-name-longer-than-32-chars"], ExitCodes.Usage, "the device would refuse this configuration: wifi.ssid is longer than 32 characters" },
        { ["--resource", "water", "--wifi-password", "short"], ExitCodes.Usage, "--wifi-password must be a WPA2 passphrase" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public void Provision_RefusesWhatTheDeviceCouldNotUse_AndWritesNothing(string[] args, int exitCode, string message)
    {
        using var work = new TempDir("cli-config");
        var command = Provision("m-0001", args[1]).ToList();
        for (var i = 2; i < args.Length; i += 2)
        {
            var at = command.IndexOf(args[i]); // a given option replaces the default one
            if (at >= 0) command[at + 1] = args[i + 1];
            else command.AddRange([args[i], args[i + 1]]);
        }
        var r = CliProcess.Run(work.Path, [.. command]);
        Assert.True(r.ExitCode == exitCode, r.ToString());
        Assert.Contains(message, r.Stderr);
        Assert.DoesNotContain(WifiPassword, r.Stdout + r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(work.Path)); // no credentials file, no config.json
    }

    /// <summary>The wire contract's id rule (Metering.Domain's WireIds): a trailing line feed is no part
    /// of an id, though a rule ending in `$` lets it through.</summary>
    [Fact]
    public void Provision_WithATrailingLineFeedInTheMeterId_IsRefused_AndWritesNothing()
    {
        using var work = new TempDir("cli-config");
        var r = CliProcess.Run(work.Path, Provision("w-0001\n", "water"));
        Assert.True(r.ExitCode == ExitCodes.Usage, r.ToString());
        Assert.Contains("--meter and --community must match ^[a-z0-9][a-z0-9_-]{0,47}$", r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(work.Path));
    }

    [Theory]
    [InlineData("--wifi-ssid")]
    [InlineData("--wifi-password")]
    public void Provision_WithoutWifi_IsRefused(string option)
    {
        using var work = new TempDir("cli-config");
        var args = Provision("w-0001", "water").ToList();
        args.RemoveRange(args.IndexOf(option), 2);
        var r = CliProcess.Run(work.Path, [.. args]);
        Assert.True(r.ExitCode == ExitCodes.Usage, r.ToString());
        Assert.Contains($"Option '{option}' is required", r.Stderr);
        Assert.Empty(Directory.GetFileSystemEntries(work.Path));
    }

    [Fact]
    public void Provision_FromAPinMapTheDeviceRefuses_IsAFileError_AndWritesNothing()
    {
        using var work = new TempDir("cli-config");
        var maps = Directory.CreateDirectory(work.File("pinmaps")).FullName;
        var water = File.ReadAllText(Path.Combine(CliProcess.RepositoryRoot, "hardware", "pinmaps", "water-node.json"));
        File.WriteAllText(Path.Combine(maps, "water-node.json"), water.Replace("\"pin\": \"reed_main\"", "\"pin\": \"valve_main\""));
        var r = CliProcess.Run(work.Path, Provision("w-0001", "water", "--pin-maps", maps));
        Assert.True(r.ExitCode == ExitCodes.FileError, r.ToString());
        Assert.Contains("is refused by the device's parser: channel main: pin must name an input pin", r.Stderr);
        Assert.Equal([maps], Directory.GetFileSystemEntries(work.Path));
    }
}
