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

    /// <summary>The one edge between the two folders points up, from the Sinks to the ledger's seam; the
    /// same check run with the two layers the other way round reports it by name, so a use of the Sinks by
    /// the ledger would be reported the same way (GatewayLayerTests checks every folder).</summary>
    [Fact]
    public void TheSinksUseTheLedgersSeam_AndTheLedgerUsesNoSink()
    {
        const string Root = "Commons.Metering.Gateway";

        var ledgerBelow = FolderLayers.Violations(Gateway, Root, [["Ledger"], ["Sinks"]]);
        var sinksBelow = FolderLayers.Violations(Gateway, Root, [["Sinks"], ["Ledger"]]);

        Assert.Empty(ledgerBelow);
        Assert.Contains(sinksBelow, v => v.StartsWith("Sinks -> Ledger: ", StringComparison.Ordinal) && v.Contains("Sinks.InfluxSinkRows", StringComparison.Ordinal));
    }
}
