using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Options;
using Npgsql;

namespace Commons.Metering.Gateway.Tests.Cluster;

/// <summary>A store shared by several instances (PostgresStateStore shared: true) inserts its sink outbox rows
/// at commit, under the lock every instance's commit takes: the rows of a transaction arrive in the order
/// the ledger appended them, a write rolled back to its savepoint leaves none, and a transaction that rolls
/// back leaves none either.</summary>
[Trait("Category", "Integration")]
public sealed class SharedOutboxTests
{
    private static readonly MeterInfo Meter = new("m1", "north", Resource.Water);

    private static List<string> Lines(string db)
    {
        using var c = new NpgsqlConnection(db);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT line FROM sink_outbox ORDER BY id", c);
        using var r = cmd.ExecuteReader();
        var lines = new List<string>();
        while (r.Read()) lines.Add(r.GetString(0));
        return lines;
    }

    [Fact]
    public void OutboxRows_AreInsertedAtCommit_InAppendOrder_WithoutRolledBackWrites()
    {
        var db = TestPostgres.CreateDatabase();
        using var store = new PostgresStateStore(db, shared: true);
        store.Open();
        using (var tx = store.Begin())
        {
            tx.InsertMeter(Meter, 0);
            tx.AppendOutbox("first");
            tx.Savepoint();
            tx.AppendOutbox("rolled back");
            tx.RollbackToSavepoint();
            tx.Savepoint();
            tx.AppendOutbox("second");
            tx.Release();
            tx.AppendOutbox("third");
            // Nothing is in the table before the commit: the ids are taken under the commit's lock.
            Assert.Empty(Lines(db));
            tx.Commit();
        }
        using (var tx = store.Begin())
        {
            tx.AppendOutbox("never committed");
        }
        Assert.Equal(["first", "second", "third"], Lines(db));
    }
}
