using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>Group commit applies a batch without savepoints; when one write throws, the batch is
/// rolled back and applied again write by write, so only the bad write fails. The in-memory meter
/// and channel state must follow what was committed, never what was rolled back.</summary>
public class GroupCommitIsolationTests
{
    private readonly StorageProvider _provider;

    public GroupCommitIsolationTests() : this(StorageProvider.Sqlite)
    {
    }

    protected GroupCommitIsolationTests(StorageProvider provider)
    {
        _provider = provider;
    }

    /// <summary>A write the ledger does not know: LedgerBatch.Apply throws for it.</summary>
    private sealed record PoisonWrite(string Meter) : LedgerWrite(Meter, 0);

    [Fact]
    public async Task AWriteThatThrows_FailsAlone_TheRestOfItsBatchCommits_AndUsageStaysExact()
    {
        var options = GatewayHarness.On(_provider);
        options.Registry.AutoRegister = true;
        await using var g = new GatewayHarness(options);
        var day = GatewayHarness.Start.Date;

        // Queued before the writer starts, so all five land in one batch.
        var first = g.ReadingAsync("m1", 1, 1_000);
        var poison = g.Ledger.SubmitAsync(new PoisonWrite("m1"), CancellationToken.None);
        var second = g.ReadingAsync("m1", 2, 1_500);
        var other = g.ReadingAsync("m2", 1, 7_000);
        var third = g.ReadingAsync("m1", 3, 1_650);
        await g.StartAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => poison);
        foreach (var r in await Task.WhenAll(first, second, other, third)) Assert.Equal(IngestStatus.Committed, r.Status);
        Assert.Equal(650, g.UsageOf("m1", "main", day, day.AddDays(1)));

        // The state the next batch starts from is the committed one: the next delta is exact,
        // and a redelivery of a committed reading is a duplicate.
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", 4, 1_700)).Status);
        Assert.Equal(700, g.UsageOf("m1", "main", day, day.AddDays(1)));
        Assert.Equal(IngestStatus.Duplicate, (await g.ReadingAsync("m1", 2, 1_500)).Status);
        Assert.Equal(700, g.UsageOf("m1", "main", day, day.AddDays(1)));
    }

    [Fact]
    public async Task AfterARestart_TheStateIsReadFromDisk_AndUsageContinuesExactly()
    {
        var options = GatewayHarness.On(_provider);
        options.Registry.AutoRegister = true;
        await using var g = new GatewayHarness(options);
        var day = GatewayHarness.Start.Date;
        await g.StartAsync();
        await g.ReadingAsync("m1", 1, 1_000);
        await g.ReadingAsync("m1", 2, 1_400);
        await g.RestartAsync();
        await g.ReadingAsync("m1", 3, 1_450);
        Assert.Equal(450, g.UsageOf("m1", "main", day, day.AddDays(1)));
    }
}

/// <summary>The same isolation on the PostgreSQL ledger, where a failed statement aborts the whole
/// transaction unless it ran inside a savepoint.</summary>
public sealed class GroupCommitIsolationPostgresTests() : GroupCommitIsolationTests(StorageProvider.Postgres);
