using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Region;
using Commons.Metering.Testing;

namespace Commons.Metering.Gateway.Tests.Domain;

/// <summary>The wire contract's id rules (docs/protocol.md, "Topics", "reading", "command"), held once in
/// Metering.Domain and used by the gateway, the command line and the host runtime.</summary>
public sealed class WireIdsTests
{
    [Theory]
    [InlineData("m1", true)]
    [InlineData("0", true)]
    [InlineData("w-0001_a", true)]
    [InlineData("-m1", false)]
    [InlineData("_m1", false)]
    [InlineData("M1", false)]
    [InlineData("m.1", false)]
    [InlineData("m1/up", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Ids_FollowTheProtocolsRule(string? id, bool valid) => Assert.Equal(valid, WireIds.IsId(id));

    [Fact]
    public void AnId_IsAtMost48Characters()
    {
        Assert.True(WireIds.IsId(new string('a', 48)));
        Assert.False(WireIds.IsId(new string('a', 49)));
    }

    /// <summary>`$` also matches before a final line feed; the copies of the rule that ended in `$` (the
    /// region's options and wire, the command line, the host runtime) let "riverside\n" through.</summary>
    [Theory]
    [InlineData("m1\n")]
    [InlineData("m1\r\n")]
    [InlineData("m1\n\n")]
    public void ATrailingLineFeed_IsNoId(string id)
    {
        Assert.False(WireIds.IsId(id));
        Assert.False(RegionIds.Valid(id));
        Assert.False(WireIds.IsChannelName(id));
        Assert.False(WireIds.IsToken(id));
    }

    [Theory]
    [InlineData("main", true)]
    [InlineData("hot_water", true)]
    [InlineData("hot-water", false)]
    [InlineData("_main", false)]
    public void ChannelNames_FollowTheProtocolsRule(string name, bool valid) => Assert.Equal(valid, WireIds.IsChannelName(name));

    [Fact]
    public void AChannelName_IsAtMost32Characters()
    {
        Assert.True(WireIds.IsChannelName(new string('c', 32)));
        Assert.False(WireIds.IsChannelName(new string('c', 33)));
    }

    [Theory]
    [InlineData("ping-0123abcd", true)]
    [InlineData("A_b-9", true)]
    [InlineData("", false)]
    [InlineData("a b", false)]
    public void CommandIdsAndPermits_FollowTheProtocolsRule(string token, bool valid) => Assert.Equal(valid, WireIds.IsToken(token));

    [Fact]
    public void AToken_IsAtMost32Characters()
    {
        Assert.True(WireIds.IsToken(new string('T', 32)));
        Assert.False(WireIds.IsToken(new string('T', 33)));
    }

    /// <summary>The rule is written once: no other source file of the repository compiles a regular
    /// expression of the id, channel or token rule.</summary>
    [Fact]
    public void NoOtherSourceFile_CompilesTheRules()
    {
        var root = RepoPaths.Root;
        var copies = new[] { "gateway", "tools", "firmware", "tests" }
            .SelectMany(d => Directory.EnumerateFiles(Path.Combine(root, d), "*.cs", SearchOption.AllDirectories))
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && Path.GetFileName(f) != "WireIds.cs")
            .Where(f => File.ReadLines(f).Any(l => l.Contains("Regex", StringComparison.Ordinal)
                && (l.Contains("{0,47}", StringComparison.Ordinal) || l.Contains("{0,31}", StringComparison.Ordinal) || l.Contains("{1,32}", StringComparison.Ordinal))))
            .Select(f => Path.GetRelativePath(root, f)).ToList();
        Assert.True(copies.Count == 0, "the id rules compiled again in: " + string.Join(", ", copies));
    }
}
