using System.Reflection;
using System.Text.RegularExpressions;
using Commons.Metering.Firmware;

namespace Commons.Metering.Tests;

/// <summary>The README's configuration table says what the code does.</summary>
public partial class ReadmeTests
{
    private static string Readme()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            string path = Path.Combine(dir.FullName, "firmware", "Metering.Firmware.Core", "README.md");
            if (File.Exists(path))
            {
                return File.ReadAllText(path);
            }
        }
        throw new FileNotFoundException("firmware/Metering.Firmware.Core/README.md not found above the test output");
    }

    [GeneratedRegex(@"^\| `(\w+)` \| `?([\w.]+)`? \|", RegexOptions.Multiline)]
    private static partial Regex DefaultRow();

    [Fact]
    public void Readme_configuration_defaults_match_DeviceConfig()
    {
        var defaults = new DeviceConfig();
        var rows = DefaultRow().Matches(Readme()).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
        var fields = typeof(DeviceConfig).GetFields(BindingFlags.Public | BindingFlags.Instance)
            .Where(f => f.GetValue(defaults) != null).ToList();

        Assert.Equal(10, fields.Count);
        foreach (var field in fields)
        {
            Assert.True(rows.TryGetValue(field.Name, out string? documented), $"{field.Name} is not in the README table");
            Assert.Equal(Convert.ToString(field.GetValue(defaults), System.Globalization.CultureInfo.InvariantCulture), documented);
        }
    }
}
