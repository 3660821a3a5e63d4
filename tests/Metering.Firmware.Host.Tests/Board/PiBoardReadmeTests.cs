using System.Text.Json;
using System.Text.RegularExpressions;

namespace Commons.Metering.Tests.Board;

/// <summary>hardware/boards/raspberry-pi/README.md's pin table against Board/raspberry-pi.json, the
/// file the host runtime reads: the docs and the board cannot disagree.</summary>
public sealed class PiBoardReadmeTests
{
    [Fact]
    public void ThePinTable_ListsEveryRoleOfTheBoardMap_WithItsGpioHeaderPinAndNote()
    {
        var readme = File.ReadAllText(RepoPath.Of("hardware", "boards", "raspberry-pi", "README.md"));
        var documented = Regex.Matches(readme, @"^\| `(?<role>[a-z0-9_]+)` \| (?<bcm>GPIO\d+|—) \| (?<header>\d+|—) \| (?<note>.*) \|$", RegexOptions.Multiline)
            .Select(m => $"{m.Groups["role"].Value} {m.Groups["bcm"].Value} {m.Groups["header"].Value} {m.Groups["note"].Value}")
            .ToArray();

        using var json = JsonDocument.Parse(File.ReadAllText(RepoPath.Of("firmware", "Metering.Firmware.Host", "Board", "raspberry-pi.json")));
        var mapped = json.RootElement.GetProperty("pins").EnumerateArray()
            .Select(p => $"{p.GetProperty("role").GetString()} {Gpio(p.GetProperty("bcm"))} {Number(p.GetProperty("header"))} {p.GetProperty("note").GetString()}")
            .ToArray();

        Assert.NotEmpty(mapped);
        Assert.Equal(mapped, documented);
    }

    [Fact]
    public void TheReadme_NamesTheSerialPortAndSpiDeviceOfTheBoardMap()
    {
        var readme = File.ReadAllText(RepoPath.Of("hardware", "boards", "raspberry-pi", "README.md"));
        using var json = JsonDocument.Parse(File.ReadAllText(RepoPath.Of("firmware", "Metering.Firmware.Host", "Board", "raspberry-pi.json")));
        var rfid = json.RootElement.GetProperty("spi").GetProperty("rfid");

        Assert.Contains($"`{json.RootElement.GetProperty("serial").GetProperty("pzem").GetString()}`", readme);
        Assert.Contains($"`/dev/spidev{rfid.GetProperty("bus").GetInt32()}.{rfid.GetProperty("chip_select").GetInt32()}`", readme);
    }

    private static string Gpio(JsonElement bcm) => bcm.ValueKind == JsonValueKind.Null ? "—" : $"GPIO{bcm.GetInt32()}";

    private static string Number(JsonElement header) => header.ValueKind == JsonValueKind.Null ? "—" : header.GetInt32().ToString();
}
