using System.Reflection;

namespace Commons.Metering.Gateway.Tests.Architecture;

/// <summary>The projects form layers with one direction of dependency (docs/architecture.md,
/// "Dependency layering"): the wire contract's domain types at the bottom, the commons policy above
/// them, the gateway host above that, the demo program on top. A project uses only projects of lower
/// layers. Read from the compiled assemblies' references, which keep only what the code really uses.</summary>
public sealed class ProjectLayerTests
{
    /// <summary>Bottom first. The order of the docs' table; change both together.</summary>
    internal static readonly string[][] Layers =
    [
        ["Metering.Domain", "Metering.Gateway.Shared", "Metering.Firmware.Core"],
        ["Metering.Policy", "Metering.Firmware.Host"],
        ["Metering.Gateway"],
        ["Metering.Gateway.Demo"],
    ];

    [Fact]
    public void EveryProjectReference_PointsToALowerLayer()
    {
        var violations = Violations(Layers);
        Assert.True(violations.Count == 0, "references against the layers:\n" + string.Join("\n", violations));
    }

    /// <summary>The check itself can fail: with the policy placed below the domain types, the policy's
    /// real use of them (Resource, IMeterHouseholds) is a reference upward and is reported.</summary>
    [Fact]
    public void ALayeringAgainstTheRealReferences_IsReported()
    {
        string[][] swapped =
        [
            ["Metering.Policy", "Metering.Gateway.Shared", "Metering.Firmware.Core"],
            ["Metering.Domain", "Metering.Firmware.Host"],
            ["Metering.Gateway"],
            ["Metering.Gateway.Demo"],
        ];

        Assert.Contains("Metering.Policy -> Metering.Domain", Violations(swapped));
    }

    /// <summary>The gateway that ships (tools/publish.sh, the Debian package) runs no simulated fleet, so
    /// neither the host runtime nor its GPIO, IoT and serial-port packages are among its references.</summary>
    [Fact]
    public void TheGateway_ReferencesNoFirmwareAndNoGpioPackage()
    {
        var names = Load("Metering.Gateway").GetReferencedAssemblies().Select(a => a.Name!).ToList();

        Assert.DoesNotContain(names, n => n.StartsWith("Metering.Firmware", StringComparison.Ordinal)
            || n is "System.Device.Gpio" or "Iot.Device.Bindings" or "System.IO.Ports");
        Assert.Contains("Metering.Policy", names); // the check reads real references
    }

    /// <summary>Every reference between the layered projects that does not point to a lower layer, as "A -> B".</summary>
    private static List<string> Violations(string[][] layersBottomFirst)
    {
        var layerOf = layersBottomFirst.SelectMany((l, i) => l.Select(name => (name, i))).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        var violations = new List<string>();
        foreach (var (project, layer) in layerOf)
        {
            foreach (var reference in Load(project).GetReferencedAssemblies().Select(a => a.Name!))
            {
                if (layerOf.TryGetValue(reference, out var other) && other >= layer) violations.Add($"{project} -> {reference}");
            }
        }
        return violations;
    }

    private static Assembly Load(string name) => Assembly.Load(new AssemblyName(name));
}
