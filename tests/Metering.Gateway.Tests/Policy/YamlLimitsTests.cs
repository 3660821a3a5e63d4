using Commons.Metering.Gateway.Policy;
using Commons.Metering.Testing;

namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>A 24 KB policy with nested aliases under households took 18 s and 1.6 GB to refuse (51 KB
/// ran out of memory): the aliases are counted as they would expand before the tree is walked.</summary>
public sealed class YamlLimitsTests
{
    [Fact]
    public void NestedAliases_AreRefusedBeforeTheyExpand_WithAClearError()
    {
        var bomb = AliasBomb.Policy(PolicyFiles.Village);
        Assert.InRange(bomb.Length, 24 * 1024 - 10, 24 * 1024 + 10);
        var r = PolicyLoader.Parse(bomb, "proposal.yaml");
        var e = Assert.Single(r.Errors);
        Assert.Contains($"expands to more than {YamlLimits.MaxNodes} YAML nodes", e.Message);
        Assert.InRange(e.Line, PolicyFiles.LineOf(bomb, "  - &l1 ["), PolicyFiles.LineOf(bomb, "  - &l9 ["));
    }

    [Fact]
    public void ManyAliases_AreRefused()
    {
        var bomb = AliasBomb.Policy(PolicyFiles.Village, levels: 2, fanOut: YamlLimits.MaxAliases);
        Assert.Contains($"more than {YamlLimits.MaxAliases} aliases", Assert.Single(PolicyLoader.Parse(bomb, "p.yaml").Errors).Message);
    }

    [Fact]
    public void AnchorsAndTheExample_PassTheCheck()
    {
        var yaml = PolicyFiles.Village.Replace("          - { id: kitchen, use: essential }", "          - &kitchen { id: kitchen, use: essential }");
        Assert.True(PolicyLoader.Parse(yaml, "v.yaml").Ok);
        var errors = new PolicyErrors("v.yaml");
        Assert.True(YamlLimits.Check(PolicyFiles.Village, errors));
    }
}
