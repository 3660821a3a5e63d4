using Xunit.Abstractions;

namespace Commons.Metering.Esp32.Tests;

/// <summary>The ESP32 application compiles, as its .nfproj says, against the nanoFramework APIs
/// at the package versions of packages.config.</summary>
public sealed class Esp32CompileTests(ITestOutputHelper output)
{
    [Esp32CheckFact]
    public void The_application_compiles_against_the_nanoFramework_reference_assemblies()
    {
        var result = Esp32Compilation.OfApplication();
        foreach (var r in result.Resolved)
        {
            output.WriteLine($"{r.Assembly} {r.Version} ({r.Kind})");
        }
        Assert.True(result.Problems.Count == 0,
            $"Metering.Firmware.Esp32.nfproj does not compile ({result.Problems.Count} problems):\n" +
            string.Join("\n", result.Problems));
    }

    [Esp32CheckFact]
    public void Every_reference_resolves_to_an_exact_reference_assembly()
    {
        // Approximate assemblies are built from a neighbouring version: a green compile against
        // them is indicative only, so the chosen package set must not need them.
        var result = Esp32Compilation.OfApplication();
        var approximate = result.Resolved.Where(r => r.Kind == NanoRefs.ApproximateKind)
            .Select(r => $"{r.Assembly} {r.Version}").ToList();
        Assert.True(approximate.Count == 0,
            "only approximate reference assemblies exist for: " + string.Join(", ", approximate));
    }

    [Fact]
    public void The_check_compiles_against_the_same_CoreLibrary_as_the_device()
    {
        string version = PackagesConfig.Load(RepoFiles.PackagesConfig)[Esp32Compilation.CoreLibraryPackage];
        Assert.StartsWith(version + ".", Esp32Compilation.AssemblyVersion(Esp32Compilation.MscorlibPath));
    }
}
