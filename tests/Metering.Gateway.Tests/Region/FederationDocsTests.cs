using Commons.Metering.Testing;
using Commons.Metering.Gateway.Domain;
using System.Text.RegularExpressions;
using Commons.Metering.Gateway.Region;

namespace Commons.Metering.Gateway.Tests.Region;

/// <summary>docs/federation.md's configuration tables say the defaults the code uses.</summary>
public sealed partial class FederationDocsTests
{
    private static string Doc()
    {
        return File.ReadAllText(RepoPaths.Of("docs", "federation.md"));
    }

    /// <summary>The default column of the row whose first cell names <paramref name="setting"/>.</summary>
    private static string Default(string doc, string setting)
    {
        var m = Regex.Match(doc, @"^\| `" + Regex.Escape(setting) + @"`[^|]*\| `?([^`|]+)`?", RegexOptions.Multiline);
        Assert.True(m.Success, $"docs/federation.md has no row for {setting}");
        return m.Groups[1].Value.Trim();
    }

    [Fact]
    public void ConfigurationTables_MatchTheDefaults()
    {
        var doc = Doc();
        var region = new RegionOptions();
        var upstream = new UpstreamOptions();
        Assert.Equal(region.UtcOffset, Default(doc, "UtcOffset"));
        Assert.Equal(region.CapValidityHours.ToString(), Default(doc, "CapValidityHours"));
        Assert.Equal(region.CapValiditySeconds.ToString(), Default(doc, "CapValiditySeconds"));
        Assert.Equal(region.StageMaxHours.ToString(), Default(doc, "StageMaxHours"));
        Assert.Equal(upstream.ReportIntervalSeconds.ToString(), Default(doc, "ReportIntervalSeconds"));
        Assert.Equal($"{upstream.RetryMinSeconds}`, `{upstream.RetryMaxSeconds}", RetryPair(doc));
        Assert.Equal(new MemberOptions().Share.ToString(), ShareDefault(doc));
    }

    private static string RetryPair(string doc)
    {
        var m = Regex.Match(doc, @"^\| `RetryMinSeconds`, `RetryMaxSeconds` \| `(\d+)`, `(\d+)` \|", RegexOptions.Multiline);
        Assert.True(m.Success, "docs/federation.md has no row for RetryMinSeconds, RetryMaxSeconds");
        return $"{m.Groups[1].Value}`, `{m.Groups[2].Value}";
    }

    private static string ShareDefault(string doc)
    {
        var m = Regex.Match(doc, @"`:Share` \((\d+)\)");
        Assert.True(m.Success, "docs/federation.md does not give Share's default");
        return m.Groups[1].Value;
    }
}
