namespace Commons.Metering.Esp32.Tests;

/// <summary>Paths in the repository, found from the test output upwards.</summary>
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

    public static string Esp32Folder => Path_("firmware", "Metering.Firmware.Esp32");

    public static string Nfproj => Path.Combine(Esp32Folder, "Metering.Firmware.Esp32.nfproj");

    public static string PackagesConfig => Path.Combine(Esp32Folder, "packages.config");
}
