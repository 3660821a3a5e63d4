using Xunit.Abstractions;

namespace Commons.Metering.Esp32.Tests;

/// <summary>The package set would restore and boot: every nuspec minimum is met, every assembly a
/// package ships is deployed, and every assembly a deployed one was built against is deployed too
/// (else the device stops at boot: "Link failure ... needs assembly").</summary>
public sealed class Esp32PackageSetTests(ITestOutputHelper output)
{
    [Esp32CheckFact]
    public void Packages_config_meets_every_declared_minimum()
    {
        var refs = NanoRefs.Load();
        var packages = PackagesConfig.Load(RepoFiles.PackagesConfig);
        var problems = new List<string>();
        foreach (var (id, version) in packages)
        {
            var rows = refs.Dependencies.Where(d => d.Package == id && d.Version == version).ToList();
            if (rows.Count == 0)
            {
                output.WriteLine($"{id} {version}: no nuspec in DEPENDENCIES.tsv; its assembly references are checked instead");
            }
            foreach (var d in rows)
            {
                if (!packages.TryGetValue(d.DependsOn, out string? have))
                {
                    problems.Add($"packages.config: {id} {version} needs {d.DependsOn} >= {d.MinimumVersion}, which is missing");
                }
                else if (!PackagesConfig.AtLeast(have, d.MinimumVersion))
                {
                    problems.Add($"packages.config: {id} {version} needs {d.DependsOn} >= {d.MinimumVersion}, it has {have}");
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Esp32CheckFact]
    public void Every_assembly_a_package_ships_is_referenced()
    {
        var refs = NanoRefs.Load();
        var referenced = NfProject.Load(RepoFiles.Nfproj).References.Select(r => r.Include).ToHashSet(StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var (id, version) in PackagesConfig.Load(RepoFiles.PackagesConfig))
        {
            if (id == Esp32Compilation.CoreLibraryPackage)
            {
                continue;
            }
            var shipped = refs.AssembliesOf(id, version);
            if (shipped.Count == 0)
            {
                problems.Add($"packages.config: {id} {version} has no reference assemblies (they exist for: {refs.VersionsOf(id)})");
            }
            problems.AddRange(shipped.Where(a => !referenced.Contains(a))
                .Select(a => $"Metering.Firmware.Esp32.nfproj: {id} {version} ships {a}.dll, which is not referenced"));
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Esp32CheckFact]
    public void Every_assembly_a_reference_was_built_against_is_referenced_at_that_version_or_later()
    {
        var result = Esp32Compilation.OfApplication();
        var deployed = result.Resolved.ToDictionary(r => r.Assembly,
            r => Version.Parse(Esp32Compilation.AssemblyVersion(r.Path)), StringComparer.Ordinal);
        var problems = new List<string>();
        foreach (var r in result.Resolved)
        {
            foreach (var (name, version) in Esp32Compilation.ReferencesOf(r.Path))
            {
                if (!deployed.TryGetValue(name, out Version? have))
                {
                    problems.Add($"{r.Assembly} {r.Version} needs {name} {version}, which the .nfproj does not reference (link failure at boot)");
                }
                else if (have < version)
                {
                    problems.Add($"{r.Assembly} {r.Version} was built against {name} {version}, the .nfproj has {have}");
                }
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}
