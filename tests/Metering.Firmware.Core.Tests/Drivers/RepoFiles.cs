using Commons.Metering.Testing;
namespace Commons.Metering.Tests.Drivers;

/// <summary>Files of the repository found by walking up from the test output (as ReadmeTests does).</summary>
internal static class RepoFiles
{
    public static string Root() => RepoPaths.Root;

    public static string Path_(params string[] parts) => RepoPaths.Of(parts);
}
