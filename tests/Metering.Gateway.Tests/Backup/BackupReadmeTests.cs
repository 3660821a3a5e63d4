using Commons.Metering.Testing;
using System.Text.RegularExpressions;
using Commons.Metering.Gateway.Backup;

namespace Commons.Metering.Gateway.Tests.Backup;

/// <summary>Backup/README.md's settings table says what BackupOptions does.</summary>
public sealed class BackupReadmeTests
{
    [Fact]
    public void TheReadmeTable_MatchesTheDefaults()
    {
        var readme = File.ReadAllText(RepoPaths.Of("gateway", "Metering.Gateway", "Backup", "README.md"));
        var table = Regex.Matches(readme, @"^\| `Backup:(\w+)` \| ([^|]+) \|", RegexOptions.Multiline)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value.Trim().Trim('`'));
        var defaults = new BackupOptions();
        Assert.Equal("(none)", table["Directory"]);
        Assert.Equal("", defaults.Directory);
        Assert.Equal(defaults.IntervalMinutes.ToString(System.Globalization.CultureInfo.InvariantCulture), table["IntervalMinutes"]);
        Assert.Equal(defaults.Keep.ToString(System.Globalization.CultureInfo.InvariantCulture), table["Keep"]);
        Assert.Equal(3, table.Count);
    }
}
