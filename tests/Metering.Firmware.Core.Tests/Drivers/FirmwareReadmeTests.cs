using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The configuration table of firmware/README.md states the defaults the code has.</summary>
public sealed class FirmwareReadmeTests
{
    /// <summary>The third cell (the default) of the table row whose first cell starts with `key`.</summary>
    private static string DefaultOf(string key)
    {
        string readme = File.ReadAllText(RepoFiles.Path_("firmware", "README.md"));
        string row = readme.Split('\n').Single(line => line.StartsWith("| `" + key + "`", StringComparison.Ordinal));
        return row.Split('|')[3].Trim();
    }

    [Fact]
    public void Readme_defaults_match_DeviceSetup()
    {
        var defaults = new DeviceSetup();
        Assert.Equal(defaults.WatchdogMs.ToString(), DefaultOf("watchdog_ms"));
        Assert.Equal($"port {defaults.MqttPort}", DefaultOf("mqtt"));
        Assert.Equal($"{defaults.SleepIntervalS}, {defaults.AwakeMaxS}", DefaultOf("sleep"));
        Assert.Equal($"{defaults.PzemAddress} (0x{defaults.PzemAddress:X2})", DefaultOf("pzem"));
        Assert.Equal(defaults.Config.FirmwareVersion, DefaultOf("firmware").Trim('`'));
    }
}
