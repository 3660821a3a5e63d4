using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests.Integration;

/// <summary>`metering flash` running nanoff. nanoff itself cannot be installed on these machines and
/// needs a real board, so a shell script stands in for it at the process seam: it logs its
/// arguments and lists one serial port, which is all the command line sees of nanoff.</summary>
[Trait("Category", "Integration")]
public sealed class FlashTests : IDisposable
{
    private readonly TempDir _dir = new("flash");

    public void Dispose() => _dir.Dispose();

    private string FakeNanoff(string listedPort, int exitCodeOfUpdate = 0)
    {
        var log = _dir.File("nanoff.log");
        var script = _dir.File("nanoff");
        File.WriteAllText(script, $"""
            #!/bin/sh
            echo "$*" >> "{log}"
            case "$1" in
              --listports) echo "Available serial ports:"; echo "  {listedPort}";;
              --update) exit {exitCodeOfUpdate};;
            esac
            exit 0
            """.Replace("\r", ""));
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }

    private string[] Logged() => File.ReadAllLines(_dir.File("nanoff.log"));

    [Fact]
    public void NanoffMissing_ExitsWithNanoffMissing()
    {
        var r = CliProcess.Run(_dir.Path, "flash", "--port", "COM7", "--nanoff", _dir.File("no-such-nanoff"));
        Assert.True(r.ExitCode == ExitCodes.NanoffMissing, r.ToString());
        Assert.Contains("dotnet tool install -g nanoff", r.Stderr);
    }

    [Fact]
    public void DeviceMissing_ExitsWithDeviceMissing_AndFlashesNothing()
    {
        var nanoff = FakeNanoff("/dev/ttyUSB1");
        var r = CliProcess.Run(_dir.Path, "flash", "--port", "/dev/ttyUSB0", "--nanoff", nanoff);
        Assert.True(r.ExitCode == ExitCodes.DeviceMissing, r.ToString());
        Assert.Equal(["--listports"], Logged());
    }

    [Fact]
    public void DevicePresent_RunsExactlyTheDryRunCommands()
    {
        var nanoff = FakeNanoff("/dev/ttyUSB0");
        File.WriteAllText(_dir.File("deploy.json"), "{}");
        File.WriteAllBytes(_dir.File("app.bin"), [1]);
        string[] args = ["flash", "--port", "/dev/ttyUSB0", "--image", "app.bin", "--deployment", "deploy.json", "--nanoff", nanoff];
        var dry = CliProcess.Run(_dir.Path, [.. args, "--dry-run"]);
        Assert.True(dry.ExitCode == 0, dry.ToString());
        Assert.False(File.Exists(_dir.File("nanoff.log")));

        var real = CliProcess.Run(_dir.Path, args);
        Assert.True(real.ExitCode == 0, real.ToString());
        var printed = dry.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l[(nanoff.Length + 1)..]);
        Assert.Equal(printed, Logged());
        Assert.Contains("[4/4] deploying the configuration", real.Stdout);
    }

    [Fact]
    public void NanoffStepFails_ExitsWithNanoffFailed_AndStops()
    {
        var nanoff = FakeNanoff("COM9", exitCodeOfUpdate: 3);
        File.WriteAllBytes(_dir.File("app.bin"), [1]);
        var r = CliProcess.Run(_dir.Path, "flash", "--port", "COM9", "--image", "app.bin", "--nanoff", nanoff);
        Assert.True(r.ExitCode == ExitCodes.NanoffFailed, r.ToString());
        Assert.Equal(2, Logged().Length); // --listports, --update; the application is not deployed
    }
}
