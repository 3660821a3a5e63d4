namespace Commons.Metering.Testing;

/// <summary>Files of the repository, found by walking up from the test output to the folder that holds
/// Metering.sln: tests read the docs, examples and data they check from the checkout itself.</summary>
public static class RepoPaths
{
    public static string Root
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Metering.sln"))) return dir.FullName;
            throw new DirectoryNotFoundException($"Metering.sln not found above {AppContext.BaseDirectory}");
        }
    }

    /// <summary>A path below the repository's root, e.g. <c>Of("docs", "protocol.md")</c>.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);
}
