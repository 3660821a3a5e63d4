namespace Commons.Metering.Tests.Board;

/// <summary>A file of the repository (hardware/pinmaps, ...), found above the test output.</summary>
internal static class RepoPath
{
    public static string Of(params string[] parts)
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Metering.sln"))) root = root.Parent;
        return Path.Combine([root?.FullName ?? throw new DirectoryNotFoundException("no Metering.sln above the tests"), .. parts]);
    }

    public static string[] PinMaps() => Directory.GetFiles(Of("hardware", "pinmaps"), "*.json").Order(StringComparer.Ordinal).ToArray();
}
