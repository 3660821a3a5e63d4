using Commons.Metering.Testing;
namespace Commons.Metering.Esp32.Tests;

/// <summary>Paths in the repository, found from the test output upwards.</summary>
internal static class RepoFiles
{
    public static string Root() => RepoPaths.Root;

    public static string Path_(params string[] parts) => RepoPaths.Of(parts);

    public static string Esp32Folder => Path_("firmware", "Metering.Firmware.Esp32");

    public static string Nfproj => Path.Combine(Esp32Folder, "Metering.Firmware.Esp32.nfproj");

    public static string PackagesConfig => Path.Combine(Esp32Folder, "packages.config");
}
