using Commons.Metering.Testing;
namespace Commons.Metering.Tests.Board;

/// <summary>A file of the repository (hardware/pinmaps, ...), found above the test output.</summary>
internal static class RepoPath
{
    public static string Of(params string[] parts) => RepoPaths.Of(parts);

    public static string[] PinMaps() => Directory.GetFiles(Of("hardware", "pinmaps"), "*.json").Order(StringComparer.Ordinal).ToArray();
}
