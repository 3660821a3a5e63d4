using Commons.Metering.Testing;
using System.Text.RegularExpressions;
using Commons.Metering.Gateway.Auth;

namespace Commons.Metering.Dashboard.Tests.Auth;

/// <summary>Dashboard/README.md's configuration table says what the code does (house style: one place
/// for defaults, and a test that the docs agree).</summary>
public sealed partial class ReadmeDefaultsTests
{
    [Fact]
    public void TheConfigurationTable_ListsEveryAuthOption_WithItsDefault()
    {
        var readme = File.ReadAllText(RepoPaths.Of("gateway", "Metering.Gateway", "Dashboard", "README.md"));
        var table = Row().Matches(readme).ToDictionary(m => m.Groups["key"].Value, m => m.Groups["default"].Value.Trim());
        var defaults = new AuthOptions();
        foreach (var property in typeof(AuthOptions).GetProperties())
        {
            Assert.True(table.ContainsKey(property.Name), $"Dashboard/README.md has no row for Metering:Auth:{property.Name}");
            var value = property.GetValue(defaults);
            var expected = value switch { null => "(none)", bool b => b ? "true" : "false", _ => value.ToString() };
            Assert.True(expected == table[property.Name], $"README says {property.Name} = {table[property.Name]}, the code {expected}");
        }
    }

    [GeneratedRegex(@"^\| `(?<key>[A-Za-z]+)` \| (?<default>[^|]+) \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
