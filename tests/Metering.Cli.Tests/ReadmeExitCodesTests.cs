using System.Reflection;
using System.Text.RegularExpressions;

namespace Commons.Metering.Cli.Tests;

public sealed partial class ReadmeExitCodesTests
{
    [Fact]
    public void ReadmeExitCodeTable_ListsEveryCodeOfExitCodes()
    {
        var readme = File.ReadAllText(Path.Combine(CliProcess.RepositoryRoot, "tools", "Metering.Cli", "README.md"));
        var section = readme[readme.IndexOf("## Exit codes", StringComparison.Ordinal)..];
        var documented = Row().Matches(section).Select(m => int.Parse(m.Groups[1].Value)).ToList();
        var codes = typeof(ExitCodes).GetFields(BindingFlags.Public | BindingFlags.Static).Select(f => (int)f.GetValue(null)!).Order().ToList();
        Assert.Equal(codes, documented);
    }

    [GeneratedRegex(@"^\| (\d+) \|", RegexOptions.Multiline)]
    private static partial Regex Row();
}
