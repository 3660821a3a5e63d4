using System.Globalization;
using System.Reflection;
using Commons.Metering.Gateway.Sinks;

namespace Commons.Metering.Gateway.Tests.Sinks;

/// <summary>The options table in gateway/Metering.Gateway/Sinks/README.md must say what the code does.</summary>
public sealed class SinkReadmeTests
{
    private static string ReadmePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "gateway", "Metering.Gateway", "Sinks", "README.md");
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException("gateway/Metering.Gateway/Sinks/README.md not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Rows "| `Name` | `default` | ..." of the table under "## Options".</summary>
    private static Dictionary<string, string> ReadmeDefaults()
    {
        var lines = File.ReadAllLines(ReadmePath());
        var start = Array.FindIndex(lines, l => l.StartsWith("## Options", StringComparison.Ordinal));
        Assert.True(start >= 0, "README has no '## Options' section");
        var rows = new Dictionary<string, string>();
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            var cells = line.Split('|', StringSplitOptions.TrimEntries);
            if (cells.Length < 4 || !cells[1].StartsWith('`')) continue;
            rows.Add(cells[1].Trim('`'), cells[2].Trim('`'));
        }
        return rows;
    }

    [Fact]
    public void OptionsTable_ListsEveryOption_WithTheDefaultFromSinkConstants()
    {
        var table = ReadmeDefaults();
        var options = typeof(InfluxOptions).GetProperties().Select(p => p.Name).Order().ToList();
        var defaults = typeof(SinkConstants).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.Name.StartsWith("Default", StringComparison.Ordinal))
            .ToDictionary(f => f.Name["Default".Length..], f => Format(f.GetValue(null)!));

        Assert.Equal(options, table.Keys.Order().ToList());
        foreach (var (name, value) in defaults) Assert.True(table.ContainsKey(name), $"README lacks {name}");
        foreach (var (name, readme) in table)
        {
            var expected = defaults.TryGetValue(name, out var d) ? d : "—"; // no default: must be configured
            Assert.True(expected == readme, $"README says {name} defaults to '{readme}', SinkConstants says '{expected}'");
        }
    }

    private static string Format(object value) => value switch
    {
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString()!,
    };
}
