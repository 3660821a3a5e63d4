using System.Text;
using System.Text.RegularExpressions;
using Commons.Metering.Firmware.Host.Board;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Board;
using Commons.Metering.Tests.Mqtt;

namespace Commons.Metering.Tests.Simulator;

/// <summary><c>simulator device --setup FILE --board-map FILE</c> as a technician runs it: a
/// separate process, a pin map from hardware/pinmaps, a real mosquitto. The build machines have no
/// GPIO, serial port or SPI: every channel must say it is simulated and why, and still publish.</summary>
public sealed class DeviceSetupCommandTests
{
    private static string SimulatorDll => Path.Combine(AppContext.BaseDirectory, "Metering.Simulator.dll");
    private static string EnergyNode => RepoPath.Of("hardware", "pinmaps", "energy-node.json");

    [Fact]
    [Trait("Category", "Integration")]
    public async Task Device_WithAPinMap_OnAHostWithoutTheHardware_SimulatesEachChannelWithItsReason_AndPublishesItsReadings()
    {
        Assert.False(Directory.EnumerateFiles("/dev", "gpiochip*").Any(), "this test expects a host without GPIO (a build machine)");
        using var broker = Broker.Start();
        await using var gateway = await Subscriber.StartAsync(broker.Port, "commons/v1/t/e-pi01/up/#");
        using var dir = new TempDir();
        // The shipped Pi map, with the PZEM on a port that surely does not exist here.
        var boardMap = dir.File("board.json");
        File.WriteAllText(boardMap, File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Board", PiPinMap.DefaultFileName))
            .Replace("/dev/serial0", "/dev/no-such-serial"));
        var setup = BoardMeter.LoadSetup(EnergyNode);
        var channels = Enumerable.Range(0, setup.ChannelCount).Select(i => setup.Channels[i].Name).ToArray();

        using var device = Simulator("device", "--meter", "e-pi01", "--community", "t", "--setup", EnergyNode, "--board-map", boardMap,
            "--broker", $"127.0.0.1:{broker.Port}", "--interval-ms", "1000", "--data", dir.File("flash"));
        device.Launch();
        var published = await gateway.WaitAsync(messages => messages.Any(m => m.Topic.EndsWith("/up/reading", StringComparison.Ordinal)
            && channels.All(c => Encoding.UTF8.GetString(m.Payload).Contains($"\"{c}\"", StringComparison.Ordinal))), TimeSpan.FromSeconds(30));
        var stopped = device.Terminate(TimeSpan.FromSeconds(30)); // SIGTERM, as systemd stops it

        Assert.True(published, $"no reading with every channel ({string.Join(", ", channels)}):\n{device.Output}");
        Assert.True(stopped && device.ExitCode == 0, $"exit {(stopped ? device.ExitCode : "none")}:\n{device.Output}");
        Assert.Equal(2, channels.Length);
        foreach (var channel in channels)
            Assert.Matches(new Regex($@"^  {channel}: simulated [a-z ]+ \(.+\)$", RegexOptions.Multiline), device.Output);
        Assert.Contains("grid: simulated energy register (no serial port /dev/no-such-serial on this host)", device.Output);
    }

    [Theory]
    [InlineData("missing-setup")]
    [InlineData("malformed-setup")]
    [InlineData("malformed-board-map")]
    public void Device_WithAMissingOrMalformedFile_ExitsSix_NamingTheFile(string fault)
    {
        using var dir = new TempDir();
        var bad = dir.File("bad.json");
        if (fault != "missing-setup") File.WriteAllText(bad, """{"v":1,""");
        var (setupFile, boardMap) = fault == "malformed-board-map" ? (EnergyNode, bad) : (bad, (string?)null);
        string[] args = ["device", "--meter", "e-pi01", "--setup", setupFile, "--broker", "127.0.0.1:1", "--data", dir.File("flash")];
        using var device = Simulator(boardMap is null ? args : [.. args, "--board-map", boardMap]);

        device.Launch();

        Assert.True(device.WaitForExit(TimeSpan.FromSeconds(60)), device.Output);
        Assert.True(device.ExitCode == 6, device.Output);
        Assert.Contains($"error: {(boardMap is null ? "setup file" : "board map")} {bad}", device.Output);
        Assert.False(Directory.Exists(dir.File("flash")), "nothing may start before the files are read");
    }

    [Fact]
    public void Device_WithSetupAndPulsePin_IsAUsageError()
    {
        using var device = Simulator("device", "--meter", "e-pi01", "--setup", EnergyNode, "--pulse-pin", "17", "--broker", "127.0.0.1:1");
        device.Launch();
        Assert.True(device.WaitForExit(TimeSpan.FromSeconds(60)), device.Output);
        Assert.True(device.ExitCode == 1, device.Output);
        Assert.Contains("error: --setup takes the channels from the file", device.Output);
    }

    private static ServerProcess Simulator(params string[] args) =>
        new("simulator", "dotnet", "dotnet-sdk-10.0", [SimulatorDll, .. args], port: 0);
}
