namespace Commons.Metering.Tests.Drivers;

/// <summary>Files of the repository found by walking up from the test output (as ReadmeTests does).</summary>
internal static class RepoFiles
{
    public static string Root()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Metering.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException("Metering.sln not found above the test output");
    }

    public static string Path_(params string[] parts) => Path.Combine([Root(), .. parts]);
}
