namespace Commons.Metering.Gateway.Tests.Architecture;

/// <summary>The folders of gateway/Metering.Gateway form layers with one direction of dependency
/// (docs/architecture.md, "Dependency layering"): a folder uses only folders of lower layers, never one
/// beside or above it, never the host. So no two folders can use each other, directly or round a cycle.</summary>
public sealed class GatewayLayerTests
{
    private const string Root = "Commons.Metering.Gateway";

    /// <summary>Bottom first. The order of the docs' table; change both together.</summary>
    internal static readonly string[][] Layers =
    [
        ["Storage", "Web"],
        ["Options"],
        ["BrokerAccounts"],
        ["Telemetry"],
        ["Ledger"],
        ["Ingest", "Hosting"],
        ["Actuation", "Sinks", "Auth", "Cluster"],
        ["PolicyRuntime", "Backup"],
        ["Dashboard", "Region"],
        ["Http"],
    ];

    private static readonly System.Reflection.Assembly Gateway = typeof(GatewayServices).Assembly;

    [Fact]
    public void EveryFolder_HasItsPlaceInTheLayers()
    {
        var placed = Layers.SelectMany(l => l).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(placed.Count, placed.Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(placed, FolderLayers.Folders(Gateway, Root));
    }

    [Fact]
    public void EveryDependency_PointsToALowerLayer()
    {
        var violations = FolderLayers.Violations(Gateway, Root, Layers);
        Assert.True(violations.Count == 0, "dependencies against the layers:\n" + string.Join("\n", violations));
    }

    /// <summary>The check itself can fail: with the ledger placed above ingest, ingest's real use of the
    /// ledger (it hands writes to LedgerWriter) is a dependency upward and is reported with its types.</summary>
    [Fact]
    public void ALayeringAgainstTheRealDependencies_IsReported()
    {
        var swapped = Layers.Select(l => l.Select(f => f switch { "Ledger" => "Ingest", "Ingest" => "Ledger", _ => f }).ToArray()).ToArray();

        var violations = FolderLayers.Violations(Gateway, Root, swapped);

        Assert.Contains(violations, v => v.StartsWith("Ingest -> Ledger: ", StringComparison.Ordinal) && v.Contains("Ingest.IngestPipeline", StringComparison.Ordinal));
    }
}
