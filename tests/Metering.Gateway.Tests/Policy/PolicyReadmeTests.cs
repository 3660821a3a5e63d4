using System.Collections;
using System.Reflection;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>Policy/README.md's defaults table matches PolicyDefaults, and its example error is real.</summary>
public sealed class PolicyReadmeTests
{
    private static readonly string Readme = File.ReadAllText(Path.Combine(PolicyFiles.RepoRoot(), "gateway", "Metering.Policy", "README.md"));

    [Fact]
    public void DefaultsTable_ListsEveryDefaultWithItsValue()
    {
        var rows = Readme.Split('\n').Where(l => l.StartsWith("| `PolicyDefaults.", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .ToDictionary(c => c[1].Trim('`')["PolicyDefaults.".Length..], c => c[2]);
        var members = typeof(PolicyDefaults).GetFields(BindingFlags.Public | BindingFlags.Static);
        Assert.Equal(members.Select(m => m.Name).Order(), rows.Keys.Order());
        foreach (var f in members)
        {
            var value = f.GetValue(null) switch
            {
                IEnumerable set and not string => string.Join(", ", set.Cast<UseClass>().Order().Select(u => u.ToString().ToLowerInvariant())),
                var v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture),
            };
            Assert.True(value == rows[f.Name], $"{f.Name}: code says {value}, README says {rows[f.Name]}");
        }
    }

    [Fact]
    public void ExampleError_IsWhatTheLoaderSays()
    {
        var bad = PolicyFiles.Village.Replace("    persons: 2", "    persons: 0");
        var e = Assert.Single(PolicyLoader.Parse(bad, "village.yaml").Errors);
        Assert.Contains($"`{e}`", Readme);
    }
}
