using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The ESP32 application cannot be built on these machines (no nanoFramework project
/// system), so what can drift is checked here: the .nfproj compiles every source file of its folder,
/// references exactly the packages (and versions) of packages.config, and those include every
/// nanoFramework package the board code needs.</summary>
public sealed class Esp32ProjectTests
{
    private static string Folder => RepoFiles.Path_("firmware", "Metering.Firmware.Esp32");

    private static XDocument Project() => XDocument.Load(Path.Combine(Folder, "Metering.Firmware.Esp32.nfproj"));

    private static Dictionary<string, string> Packages() =>
        XDocument.Load(Path.Combine(Folder, "packages.config")).Root!.Elements("package")
            .ToDictionary(p => (string)p.Attribute("id")!, p => (string)p.Attribute("version")!);

    [Fact]
    public void Nfproj_compiles_every_source_file_of_the_folder_and_nothing_missing()
    {
        XNamespace ns = "http://schemas.microsoft.com/developer/msbuild/2003";
        var listed = Project().Descendants(ns + "Compile")
            .Select(c => (string)c.Attribute("Include")!)
            .Where(path => !path.StartsWith("..", StringComparison.Ordinal))
            .Select(path => path.Replace('\\', '/'))
            .Order(StringComparer.Ordinal).ToArray();
        var present = Directory.GetFiles(Folder, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(Folder, path).Replace('\\', '/'))
            .Where(path => !path.StartsWith("bin/", StringComparison.Ordinal) && !path.StartsWith("obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(present, listed);
    }

    [Fact]
    public void Nfproj_links_the_core_sources()
    {
        XNamespace ns = "http://schemas.microsoft.com/developer/msbuild/2003";
        Assert.Contains(Project().Descendants(ns + "Compile"),
            c => (string)c.Attribute("Include")! == @"..\Metering.Firmware.Core\**\*.cs");
    }

    [Fact]
    public void Every_reference_hint_path_is_a_package_of_packages_config_at_its_version()
    {
        XNamespace ns = "http://schemas.microsoft.com/developer/msbuild/2003";
        var packages = Packages();
        var hinted = Project().Descendants(ns + "HintPath")
            .Select(h => Regex.Match(h.Value, @"^packages\\(?<id>.+?)\.(?<version>\d+\.\d+\.\d+)\\lib\\"))
            .ToList();
        Assert.All(hinted, m => Assert.True(m.Success, "HintPath not under packages\\<id>.<version>\\lib\\"));
        Assert.All(hinted, m => Assert.Equal(packages[m.Groups["id"].Value], m.Groups["version"].Value));
        Assert.Equal(packages.Keys.Order(), hinted.Select(m => m.Groups["id"].Value).Order());
    }

    [Theory]
    [InlineData("nanoFramework.CoreLibrary")]
    [InlineData("nanoFramework.M2Mqtt")]
    [InlineData("nanoFramework.Hardware.Esp32")]
    [InlineData("nanoFramework.System.Device.Gpio")]
    [InlineData("nanoFramework.System.IO.Ports")]
    [InlineData("nanoFramework.System.IO.FileSystem")]
    [InlineData("nanoFramework.System.Device.Wifi")]
    [InlineData("nanoFramework.Runtime.Native")]
    [InlineData("nanoFramework.System.Device.Spi")]
    [InlineData("nanoFramework.Iot.Device.Mfrc522")]
    public void Packages_config_lists_what_the_board_code_uses(string id)
    {
        Assert.True(Packages().ContainsKey(id), $"{id} missing from packages.config");
    }

    [Fact]
    public void The_core_is_compiled_against_the_same_CoreLibrary_as_the_device()
    {
        string central = File.ReadAllText(RepoFiles.Path_("Directory.Packages.props"));
        var version = Regex.Match(central, "nanoFramework.CoreLibrary\" Version=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal(version, Packages()["nanoFramework.CoreLibrary"]);
    }
}
