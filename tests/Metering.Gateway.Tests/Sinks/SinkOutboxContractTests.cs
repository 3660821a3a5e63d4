using System.Text;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Sinks;
using Commons.Metering.Gateway.Sinks.Postgres;
using Commons.Metering.Gateway.Sinks.Sqlite;
using Commons.Metering.Testing;

namespace Commons.Metering.Gateway.Tests.Sinks;

/// <summary>The sink outbox's contract (Sinks/ISinkOutbox.cs, its rules in Sinks/AdoSinkOutbox.cs) on each
/// provider, with the rows written by the ledger's own transaction: batches in id order as one body, cursors
/// never backwards, a row pruned only once every sink delivered it (in chunks when there are many), ids
/// never reused after a prune.</summary>
public class SinkOutboxContractTests : IDisposable
{
    private readonly TempDir _dir = new("outbox");
    private readonly IStateStore _store;
    private readonly ISinkOutbox _outbox;

    public SinkOutboxContractTests() : this(StorageProvider.Sqlite)
    {
    }

    protected SinkOutboxContractTests(StorageProvider provider)
    {
        if (provider == StorageProvider.Postgres)
        {
            var db = TestPostgres.CreateDatabase();
            _store = new PostgresStateStore(db);
            _outbox = new PostgresSinkOutbox(db);
        }
        else
        {
            _store = new SqliteStateStore(_dir.Path, SqliteSynchronous.Full);
            _outbox = new SqliteSinkOutbox(Path.Combine(_dir.Path, GatewayDefaults.DatabaseFileName));
        }
        _store.Open();
    }

    private void Append(params string[] lines)
    {
        using var tx = _store.Begin();
        foreach (var line in lines) tx.AppendOutbox(line);
        tx.Commit();
    }

    [Fact]
    public void Batches_AreReadInIdOrder_AsOneBody_AfterTheCursor()
    {
        Append("a v=1i 1", "b v=2i 2", "c v=3i 3");
        var first = _outbox.ReadBatchAfter(0, 2);
        Assert.Equal(2, first.Count);
        Assert.Equal("a v=1i 1\nb v=2i 2", Encoding.UTF8.GetString(first.Body));
        var rest = _outbox.ReadBatchAfter(first.LastId, 10);
        Assert.Equal("c v=3i 3", Encoding.UTF8.GetString(rest.Body));
        Assert.Equal(0, _outbox.ReadBatchAfter(rest.LastId, 10).Count);
        Assert.Equal(["b v=2i 2", "c v=3i 3"], _outbox.ReadRange(first.LastId - 1, rest.LastId).Select(r => r.Line));
    }

    [Fact]
    public void ARow_IsPrunedOnlyOnceEverySinkDeliveredIt_AndCursorsNeverGoBack()
    {
        Append("a v=1i 1", "b v=2i 2");
        var batch = _outbox.ReadBatchAfter(0, 10);
        string[] sinks = ["influx", "vm"];
        Assert.Equal(0, _outbox.Commit("influx", batch.LastId, [], 0, sinks));
        Assert.Equal(batch.LastId, _outbox.ReadCursor("influx"));
        Assert.Equal(2, _store.OutboxDepth());
        Assert.Equal(2, _outbox.Commit("vm", batch.LastId, [new DeadLetter(batch.LastId, "b v=2i 2", "400 bad")], 5, sinks));
        Assert.Equal(0, _store.OutboxDepth());
        _outbox.Commit("vm", batch.LastId - 1, [], 6, sinks);
        Assert.Equal(batch.LastId, _outbox.ReadCursor("vm"));
    }

    [Fact]
    public void APruneLongerThanOneChunk_RemovesEveryDeliveredRow_AndKeepsTheRest()
    {
        var rows = SinkConstants.PruneChunkRows + 50;
        Append([.. Enumerable.Range(1, rows).Select(i => $"m v={i}i {i}")]);
        var last = _outbox.MaxId();

        Assert.Equal(rows - 10, _outbox.Commit("influx", last - 10, [], 0, ["influx"]));
        Assert.Equal(10, _store.OutboxDepth());
        Assert.Equal(last - 9, _outbox.ReadBatchAfter(0, 1).LastId);
    }

    [Fact]
    public void Ids_AreNeverReused_AfterAPrune()
    {
        Append("a v=1i 1", "b v=2i 2");
        var max = _outbox.MaxId();
        Assert.Equal(2, _outbox.PruneAll());
        Assert.Equal(max, _outbox.MaxId());
        Append("c v=3i 3");
        var next = _outbox.ReadBatchAfter(0, 10);
        Assert.True(next.LastId > max);
        Assert.Equal("c v=3i 3", Encoding.UTF8.GetString(next.Body));
    }

    public void Dispose()
    {
        _store.Dispose();
        (_outbox as IDisposable)?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        _dir.Dispose();
        GC.SuppressFinalize(this);
    }
}

/// <summary>The same contract on PostgreSQL (a real server, a fresh database per test).</summary>
public sealed class SinkOutboxContractPostgresTests() : SinkOutboxContractTests(StorageProvider.Postgres);
