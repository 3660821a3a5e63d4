using System.Data.Common;
using System.Globalization;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>The sink outbox's rules whatever the database: batches after a cursor, cursors that never move
/// backwards, dead letters kept once per (sink, row), and the prune of what every sink delivered, bounded in
/// chunks of <see cref="SinkConstants.PruneChunkRows"/> so a long backlog never becomes one huge delete. The
/// providers (Sqlite/SqliteSinkOutbox, Postgres/PostgresSinkOutbox) give only what differs: how a connection
/// opens, how a write transaction begins, how a batch's lines are joined in the database and where the
/// identity's high-water mark lives. Statements use named parameters (`@name`), which both drivers read.</summary>
internal abstract class AdoSinkOutbox : ISinkOutbox
{
    public abstract string Location { get; }

    public abstract long RequeueFromLedger(long fromMs, long toMs, IMeterHouseholds? households, CancellationToken cancel);

    /// <summary>An open connection, the schema ensured on first use.</summary>
    protected abstract DbConnection Open();

    /// <summary>A write transaction (SQLite: immediate, so the ledger's writer and the sinks take turns).</summary>
    protected abstract DbTransaction BeginWrite(DbConnection connection);

    /// <summary>COUNT, MAX(id) and the lines joined by newlines as UTF-8 bytes, of the rows after @after, at
    /// most @limit: one request body built by the database itself.</summary>
    protected abstract string BatchSql { get; }

    /// <summary>The highest id ever handed out, pruned rows included (ids are never reused).</summary>
    protected abstract string MaxIdSql { get; }

    public long ReadCursor(string sink)
    {
        using var c = Open();
        return ReadCursor(c, null, sink);
    }

    public OutboxBatch ReadBatchAfter(long lastId, int limit)
    {
        using var c = Open();
        using var cmd = Command(c, null, BatchSql, ("after", lastId), ("limit", limit));
        using var reader = cmd.ExecuteReader();
        reader.Read();
        var count = reader.GetInt64(0);
        // GetFieldValue, not GetBytes: GetBytes on this computed column crashed the process
        // (SIGSEGV, Microsoft.Data.Sqlite 10.0 with SQLite 3.53.3).
        return count == 0 ? OutboxBatch.Empty : new OutboxBatch(reader.GetInt64(1), checked((int)count), reader.GetFieldValue<byte[]>(2));
    }

    public IReadOnlyList<OutboxRow> ReadRange(long afterId, long upToId)
    {
        using var c = Open();
        using var cmd = Command(c, null, "SELECT id, line FROM sink_outbox WHERE id > @after AND id <= @upto ORDER BY id", ("after", afterId), ("upto", upToId));
        var rows = new List<OutboxRow>((int)Math.Clamp(upToId - afterId, 0, 1024));
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) rows.Add(new OutboxRow(reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }

    public long MaxId()
    {
        using var c = Open();
        using var cmd = Command(c, null, MaxIdSql);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Dead letters, the cursor (never backwards) and the first chunk of the prune in one transaction;
    /// the rest of the prune in further chunks, each its own transaction.</summary>
    public long Commit(string sink, long lastId, IReadOnlyList<DeadLetter> deadLetters, long nowMs, IReadOnlyCollection<string> sinks)
    {
        using var c = Open();
        long min, deleted;
        using (var tx = BeginWrite(c))
        {
            foreach (var d in deadLetters)
            {
                Execute(c, tx, """
                    INSERT INTO sink_dead_letter(sink, outbox_id, line, error, failed_at_ms) VALUES (@sink, @id, @line, @error, @now)
                    ON CONFLICT DO NOTHING
                    """, ("sink", sink), ("id", d.OutboxId), ("line", d.Line), ("error", d.Error), ("now", nowMs));
            }
            Execute(c, tx, """
                INSERT INTO sink_cursor(sink, last_id) VALUES (@sink, @id)
                ON CONFLICT (sink) DO UPDATE SET last_id = excluded.last_id WHERE excluded.last_id > sink_cursor.last_id
                """, ("sink", sink), ("id", lastId));
            min = sinks.Count == 0 ? 0 : sinks.Min(s => ReadCursor(c, tx, s));
            deleted = min > 0 ? DeleteChunk(c, tx, min) : 0;
            tx.Commit();
        }
        return deleted < SinkConstants.PruneChunkRows ? deleted : deleted + DeleteUpTo(c, min);
    }

    public long PruneAll()
    {
        using var c = Open();
        using var cmd = Command(c, null, "SELECT COALESCE(MAX(id), 0) FROM sink_outbox");
        return DeleteUpTo(c, Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture));
    }

    private static long DeleteUpTo(DbConnection c, long maxId)
    {
        long deleted = 0;
        // Bounded: at most 1000 chunks per call, each its own transaction; the next drain cycle continues.
        for (var i = 0; i < 1000 && maxId > 0; i++)
        {
            var n = DeleteChunk(c, null, maxId);
            deleted += n;
            if (n < SinkConstants.PruneChunkRows) break;
        }
        return deleted;
    }

    private static int DeleteChunk(DbConnection c, DbTransaction? tx, long maxId) => Execute(c, tx, """
        DELETE FROM sink_outbox WHERE id IN (SELECT id FROM sink_outbox WHERE id <= @max ORDER BY id LIMIT @chunk)
        """, ("max", maxId), ("chunk", SinkConstants.PruneChunkRows));

    private static long ReadCursor(DbConnection c, DbTransaction? tx, string sink)
    {
        using var cmd = Command(c, tx, "SELECT last_id FROM sink_cursor WHERE sink = @sink", ("sink", sink));
        return cmd.ExecuteScalar() is long id ? id : 0;
    }

    private static int Execute(DbConnection c, DbTransaction? tx, string sql, params (string Name, object Value)[] args)
    {
        using var cmd = Command(c, tx, sql, args);
        return cmd.ExecuteNonQuery();
    }

    private static DbCommand Command(DbConnection c, DbTransaction? tx, string sql, params (string Name, object Value)[] args)
    {
        var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@" + name;
            p.Value = value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }
}
