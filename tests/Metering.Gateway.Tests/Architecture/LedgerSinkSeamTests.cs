using NetArchTest.Rules;

namespace Commons.Metering.Gateway.Tests.Architecture;

/// <summary>The ledger writes the sink outbox without knowing any sink's format: the line protocol is
/// the Sinks' (Sinks/InfluxSinkRows.cs), reached through the ledger's own seam (Ledger/ISinkRows.cs).</summary>
public sealed class LedgerSinkSeamTests
{
    private static readonly System.Reflection.Assembly Gateway = typeof(GatewayServices).Assembly;

    [Fact]
    public void TheLedger_UsesNoInfluxDbType()
    {
        var result = Types.InAssembly(Gateway).That().ResideInNamespace("Commons.Metering.Gateway.Ledger")
            .ShouldNot().HaveDependencyOn("InfluxDB.Client").GetResult();

        Assert.True(result.IsSuccessful, "ledger types using InfluxDB.Client: " + string.Join(", ", result.FailingTypeNames ?? []));
    }

    /// <summary>The layer check catches the back-edge this seam avoids: were the Sinks (layer 7) placed
    /// below the Ledger (layer 5), their real use of the ledger's seam would be reported by name.</summary>
    [Fact]
    public void SinksBelowTheLedger_IsReported_WithTheSeamsImplementation()
    {
        var swapped = GatewayLayerTests.Layers.Select(l => l.Select(f => f switch { "Ledger" => "Sinks", "Sinks" => "Ledger", _ => f }).ToArray()).ToArray();

        var violations = FolderLayers.Violations(Gateway, "Commons.Metering.Gateway", swapped);

        Assert.Contains(violations, v => v.StartsWith("Sinks -> Ledger: ", StringComparison.Ordinal) && v.Contains("Sinks.InfluxSinkRows", StringComparison.Ordinal));
    }
}
