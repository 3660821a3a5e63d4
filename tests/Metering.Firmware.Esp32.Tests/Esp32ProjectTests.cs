using System.Text.RegularExpressions;

namespace Commons.Metering.Esp32.Tests;

/// <summary>The .nfproj and packages.config agree with the folder and with each other.</summary>
public sealed class Esp32ProjectTests
{
    [Fact]
    public void Nfproj_compiles_every_source_file_of_the_folder_and_nothing_missing()
    {
        var listed = NfProject.Load(RepoFiles.Nfproj).CompileIncludes
            .Where(path => !path.StartsWith("..", StringComparison.Ordinal))
            .Select(path => path.Replace('\\', '/'))
            .Order(StringComparer.Ordinal).ToArray();
        var present = Directory.GetFiles(RepoFiles.Esp32Folder, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(RepoFiles.Esp32Folder, path).Replace('\\', '/'))
            .Where(path => !path.StartsWith("bin/", StringComparison.Ordinal) && !path.StartsWith("obj/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(present, listed);
    }

    [Fact]
    public void Nfproj_links_the_core_sources()
    {
        var files = NfProject.Load(RepoFiles.Nfproj).CompileFiles();
        string core = RepoFiles.Path_("firmware", "Metering.Firmware.Core");
        var expected = Directory.GetFiles(core, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(expected, files.Where(f => f.StartsWith(core + "/", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void References_and_packages_config_agree_in_ids_versions_and_hint_paths()
    {
        var packages = PackagesConfig.Load(RepoFiles.PackagesConfig);
        var problems = new List<string>();
        var referenced = new HashSet<string>(StringComparer.Ordinal);
        var assemblies = new HashSet<string>(StringComparer.Ordinal);
        foreach (var r in NfProject.Load(RepoFiles.Nfproj).References)
        {
            Match m = r.Parsed;
            if (!m.Success)
            {
                problems.Add($"Reference {r.Include}: HintPath '{r.HintPath}' is not packages\\<id>.<version>\\lib\\<Assembly>.dll");
                continue;
            }
            string id = m.Groups["id"].Value, version = m.Groups["version"].Value, file = m.Groups["file"].Value;
            referenced.Add(id);
            if (!assemblies.Add(file))
            {
                problems.Add($"Reference {r.Include}: {file}.dll is referenced twice");
            }
            if (file != r.Include)
            {
                problems.Add($"Reference {r.Include}: its HintPath names {file}.dll");
            }
            if (!packages.TryGetValue(id, out string? listed))
            {
                problems.Add($"Reference {r.Include}: package {id} is not in packages.config");
            }
            else if (listed != version)
            {
                problems.Add($"Reference {r.Include}: HintPath has {id} {version}, packages.config {listed}");
            }
        }
        foreach (string id in packages.Keys.Where(id => !referenced.Contains(id)))
        {
            problems.Add($"packages.config: {id} {packages[id]} is not referenced by the .nfproj");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void The_device_CoreLibrary_is_the_one_the_core_is_compiled_against()
    {
        string central = File.ReadAllText(RepoFiles.Path_("Directory.Packages.props"));
        var version = Regex.Match(central, "nanoFramework.CoreLibrary\" Version=\"([^\"]+)\"").Groups[1].Value;
        Assert.Equal(version, PackagesConfig.Load(RepoFiles.PackagesConfig)[Esp32Compilation.CoreLibraryPackage]);
    }

    [Fact]
    public void The_firmware_readme_lists_the_package_set_of_packages_config()
    {
        string readme = File.ReadAllText(RepoFiles.Path_("firmware", "README.md"));
        int start = readme.IndexOf("### The package set", StringComparison.Ordinal);
        Assert.True(start >= 0, "firmware/README.md has no \"### The package set\" section");
        var listed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in readme[start..].Split('\n').SkipWhile(l => !l.StartsWith('|')).TakeWhile(l => l.StartsWith('|')))
        {
            string[] cells = line.Split('|');
            string id = cells[1].Trim().Trim('`');
            if (id.StartsWith("nanoFramework.", StringComparison.Ordinal))
            {
                listed[id] = cells[2].Trim();
            }
        }
        var packages = PackagesConfig.Load(RepoFiles.PackagesConfig);
        Assert.Equal(packages.OrderBy(p => p.Key, StringComparer.Ordinal), listed.OrderBy(p => p.Key, StringComparer.Ordinal));
    }
}
