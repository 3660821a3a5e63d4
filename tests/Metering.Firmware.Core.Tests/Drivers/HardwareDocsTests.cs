using System.Text.RegularExpressions;

namespace Commons.Metering.Tests.Drivers;

/// <summary>Every board, sensor and actuator folder in hardware/ has the same shape (STYLE.md:
/// one folder, one shape), and the hardware README links each of them.</summary>
public sealed partial class HardwareDocsTests
{
    private static readonly string[] Sections =
        ["What it is for", "Datasheet", "Wiring", "Pins used", "Calibration", "Known pitfalls"];

    private static string[] PartFolders()
    {
        string hardware = RepoFiles.Path_("hardware");
        return new[] { "boards", "sensors", "actuators" }
            .SelectMany(kind => Directory.GetDirectories(Path.Combine(hardware, kind)))
            .Select(dir => Path.GetRelativePath(hardware, dir).Replace('\\', '/'))
            .Order(StringComparer.Ordinal)
            .ToArray();
    }

    public static TheoryData<string> Parts() => new(PartFolders());

    [GeneratedRegex(@"^## (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [Theory]
    [MemberData(nameof(Parts))]
    public void Part_readme_has_the_six_sections_in_order(string part)
    {
        string readme = File.ReadAllText(RepoFiles.Path_("hardware", part, "README.md"));
        var headings = Heading().Matches(readme).Select(m => m.Groups[1].Value.Trim()).ToArray();
        Assert.Equal(Sections, headings);
    }

    [Theory]
    [MemberData(nameof(Parts))]
    public void Hardware_readme_links_the_part(string part)
    {
        string readme = File.ReadAllText(RepoFiles.Path_("hardware", "README.md"));
        Assert.Contains($"({part}/README.md)", readme);
    }

    [Fact]
    public void Every_expected_part_is_there()
    {
        Assert.Equal(
            ["actuators/relay", "actuators/solenoid-valve", "boards/esp32-wrover", "boards/raspberry-pi", "sensors/a02yyuw-ultrasonic",
             "sensors/ads1115-pressure", "sensors/hx711-load-cell", "sensors/ina219-power-monitor",
             "sensors/mfrc522", "sensors/pzem-004t-v3", "sensors/s0-energy-meter", "sensors/water-pulse-meter", "sensors/yf-s201-flow"],
            PartFolders());
    }
}
