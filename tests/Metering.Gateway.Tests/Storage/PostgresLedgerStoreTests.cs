using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Storage;
using Commons.Metering.Testing.Servers;
using Npgsql;

namespace Commons.Metering.Gateway.Tests.Storage;

/// <summary>What only the PostgreSQL ledger has: its schema steps in schema_version, a database newer
/// than the gateway refused, and a confirmed commit that survives a kill -9 of the database server.
/// The ledger's rules themselves run on both providers (Ledger/*Tests and their Postgres subclasses).</summary>
public sealed class PostgresLedgerStoreTests
{
    private static int SchemaVersion(string connectionString)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        return PostgresMigrator.Version(c, PostgresSchema.Name);
    }

    private static void Execute(string connectionString, string sql)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        cmd.ExecuteNonQuery();
    }

    [Fact]
    public void ANewDatabase_RunsEveryStep_AndOpeningAgainChangesNothing()
    {
        var db = TestPostgres.CreateDatabase();
        Assert.Equal(0, SchemaVersion(db));
        using (var store = new PostgresStateStore(db)) store.Open();
        Assert.Equal(PostgresSchema.Version, SchemaVersion(db));
        Execute(db, "INSERT INTO meters(id, community, resource, registered_ms) VALUES ('m1', 'c1', 'water', 0)");
        using (var again = new PostgresStateStore(db))
        {
            again.Open();
            Assert.Equal("m1", Assert.Single(again.LoadMeters()).Id);
        }
        Assert.Equal(PostgresSchema.Version, SchemaVersion(db));
    }

    [Fact]
    public void TwoOpenersAtOnce_TakeTurns_AndTheSchemaIsCreatedOnce()
    {
        var db = TestPostgres.CreateDatabase();
        var stores = Enumerable.Range(0, 4).Select(_ => new PostgresStateStore(db)).ToList();
        try
        {
            Parallel.ForEach(stores, s => s.Open());
        }
        finally
        {
            foreach (var s in stores) s.Dispose();
        }
        Assert.Equal(PostgresSchema.Version, SchemaVersion(db));
    }

    [Fact]
    public void ADatabaseNewerThanTheGateway_IsRefused_WithBothVersions()
    {
        var db = TestPostgres.CreateDatabase();
        using (var store = new PostgresStateStore(db)) store.Open();
        Execute(db, $"UPDATE schema_version SET version = {PostgresSchema.Version + 1} WHERE schema = '{PostgresSchema.Name}'");
        using var newer = new PostgresStateStore(db);
        var e = Assert.Throws<InvalidOperationException>(newer.Open);
        Assert.Contains($"ledger schema version {PostgresSchema.Version + 1}, newer than this gateway's {PostgresSchema.Version}", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ARedeliveryAfterAGatewayRestart_IsADuplicate_AndCountsNothing()
    {
        var options = GatewayHarness.On(StorageProvider.Postgres);
        options.Registry.AutoRegister = true;
        await using var g = new GatewayHarness(options);
        var day = GatewayHarness.Start.Date;
        await g.StartAsync();
        await g.ReadingAsync("m1", 1, 1_000);
        await g.ReadingAsync("m1", 2, 1_300);
        await g.RestartAsync();
        Assert.Equal(IngestStatus.Duplicate, (await g.ReadingAsync("m1", 2, 1_300)).Status);
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", 3, 1_350)).Status);
        Assert.Equal(350, g.UsageOf("m1", "main", day, day.AddDays(1)));
    }

    [Fact]
    public async Task WhatTheLedgerConfirmed_SurvivesAKill9OfTheDatabaseServer_AndTheWriterReconnects()
    {
        // A server of its own: the kill must not touch the other tests' databases.
        using var server = Postgres.StartNew();
        var options = GatewayHarness.On(StorageProvider.Postgres);
        options.Storage.ConnectionString = server.CreateDatabase("kill");
        options.Registry.AutoRegister = true;
        var day = GatewayHarness.Start.Date;
        await using (var g = new GatewayHarness(options))
        {
            await g.StartAsync();
            // Registers 1,010 ... 1,500: usage 490 before the kill, 500 with seq 51.
            for (var seq = 1; seq <= 50; seq++)
                Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", seq, 1_000 + seq * 10)).Status);
            server.Kill();
            // With the server gone the write fails: not confirmed (the device keeps it), not counted.
            await Assert.ThrowsAnyAsync<Exception>(() => g.ReadingAsync("m1", 51, 1_510));
            server.Restart();
            // The same gateway, without a restart of its own, writes again once the database is back.
            Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", 51, 1_510)).Status);
        }
        await using var after = new GatewayHarness(options);
        await after.StartAsync();
        Assert.Equal(500, after.UsageOf("m1", "main", day, day.AddDays(1)));
        Assert.Equal(51, after.Store.SequenceHighWater("m1"));
        Assert.Equal(IngestStatus.Duplicate, (await after.ReadingAsync("m1", 51, 1_510)).Status);
        Assert.Equal(IngestStatus.Committed, (await after.ReadingAsync("m1", 52, 1_520)).Status);
        Assert.Equal(510, after.UsageOf("m1", "main", day, day.AddDays(1)));
    }
}
