using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Sinks.Sqlite;

/// <summary>The sinks' side of metering.db: reads outbox rows after a cursor, moves cursors, keeps
/// dead letters and prunes delivered rows. Every write is one short transaction (busy_timeout set)
/// because the ledger group-commits on the same file. The first connection brings the file to the
/// ledger's schema (SqliteSchema, the one migration runner), so the outbox works before the ledger opened it.</summary>
internal sealed class SqliteSinkOutbox : ISinkOutbox
{
    private readonly string _connectionString;
    private int _schemaEnsured;

    public SqliteSinkOutbox(string databasePath)
    {
        DatabasePath = Path.GetFullPath(databasePath);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = SinkConstants.SqliteBusyTimeoutMs / 1000,
        }.ToString();
    }

    public string DatabasePath { get; }

    public string Location => DatabasePath;

    public long RequeueFromLedger(long fromMs, long toMs, IMeterHouseholds? households, CancellationToken cancel) =>
        LedgerReplay.Enqueue(DatabasePath, fromMs, toMs, cancel, households);

    public long ReadCursor(string sink)
    {
        using var c = Open();
        return ReadCursor(c, sink);
    }

    /// <summary>Up to <paramref name="limit"/> rows after <paramref name="lastId"/>, in id order, as one
    /// request body that SQLite joins itself (group_concat over the text's own UTF-8 bytes): reading
    /// each row into a .NET string, joining them and encoding the result again cost ~3 ms of CPU per
    /// 5,000 lines against ~1 ms, next to an influxd that needs that CPU (`sink` benchmark,
    /// docs/benchmarks.md).</summary>
    public OutboxBatch ReadBatchAfter(long lastId, int limit)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT COUNT(*), MAX(id), CAST(group_concat(line, char(10) ORDER BY id) AS BLOB)
            FROM (SELECT id, line FROM sink_outbox WHERE id > $after ORDER BY id LIMIT $limit)
            """;
        cmd.Parameters.AddWithValue("$after", lastId);
        cmd.Parameters.AddWithValue("$limit", limit);
        using var reader = cmd.ExecuteReader();
        reader.Read();
        var count = reader.GetInt32(0);
        // GetFieldValue, not GetBytes: GetBytes on this computed column crashed the process
        // (SIGSEGV, Microsoft.Data.Sqlite 10.0 with SQLite 3.53.3).
        return count == 0 ? OutboxBatch.Empty : new OutboxBatch(reader.GetInt64(1), count, reader.GetFieldValue<byte[]>(2));
    }

    /// <summary>The rows with ids in (<paramref name="afterId"/>, <paramref name="upToId"/>], one by
    /// one: for isolating the lines a database refused.</summary>
    public IReadOnlyList<OutboxRow> ReadRange(long afterId, long upToId)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, line FROM sink_outbox WHERE id > $after AND id <= $upto ORDER BY id";
        cmd.Parameters.AddWithValue("$after", afterId);
        cmd.Parameters.AddWithValue("$upto", upToId);
        var rows = new List<OutboxRow>((int)Math.Clamp(upToId - afterId, 0, 1024));
        using var reader = cmd.ExecuteReader();
        while (reader.Read()) rows.Add(new OutboxRow(reader.GetInt64(0), reader.GetString(1)));
        return rows;
    }

    /// <summary>Highest outbox id ever handed out (0 for an empty, never-used outbox).</summary>
    public long MaxId()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        // AUTOINCREMENT keeps the high-water mark in sqlite_sequence even after pruning.
        cmd.CommandText = """
            SELECT MAX(COALESCE((SELECT MAX(id) FROM sink_outbox), 0),
                       COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sink_outbox'), 0))
            """;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Moves the sink's cursor to <paramref name="lastId"/> (never backwards), stores its dead
    /// letters and deletes the rows every sink of <paramref name="sinks"/> has delivered (id at or below
    /// the smallest of their cursors; a sink without a cursor row counts as 0), in one transaction:
    /// one commit (one fsync) per delivered batch instead of two (`sink` benchmark, docs/benchmarks.md).
    /// Only the first <see cref="SinkConstants.PruneChunkRows"/> rows go in that transaction; a longer
    /// range (a sink that was behind caught up) is deleted in chunks of their own afterwards, so the
    /// ledger writer never waits long for the write lock. Returns the rows deleted.</summary>
    public long Commit(string sink, long lastId, IReadOnlyList<DeadLetter> deadLetters, long nowMs, IReadOnlyCollection<string> sinks)
    {
        using var c = Open();
        long min, deleted;
        using (var tx = c.BeginTransaction(deferred: false))
        {
            foreach (var d in deadLetters)
            {
                using var dl = c.CreateCommand();
                dl.Transaction = tx;
                dl.CommandText = """
                    INSERT OR IGNORE INTO sink_dead_letter(sink, outbox_id, line, error, failed_at_ms)
                    VALUES ($sink, $id, $line, $error, $now)
                    """;
                dl.Parameters.AddWithValue("$sink", sink);
                dl.Parameters.AddWithValue("$id", d.OutboxId);
                dl.Parameters.AddWithValue("$line", d.Line);
                dl.Parameters.AddWithValue("$error", d.Error);
                dl.Parameters.AddWithValue("$now", nowMs);
                dl.ExecuteNonQuery();
            }
            using (var cur = c.CreateCommand())
            {
                cur.Transaction = tx;
                cur.CommandText = """
                    INSERT INTO sink_cursor(sink, last_id) VALUES ($sink, $id)
                    ON CONFLICT(sink) DO UPDATE SET last_id = excluded.last_id WHERE excluded.last_id > sink_cursor.last_id
                    """;
                cur.Parameters.AddWithValue("$sink", sink);
                cur.Parameters.AddWithValue("$id", lastId);
                cur.ExecuteNonQuery();
            }
            min = sinks.Count == 0 ? 0 : sinks.Min(s => ReadCursor(c, s));
            deleted = min > 0 ? DeleteChunk(c, tx, min) : 0;
            tx.Commit();
        }
        return deleted < SinkConstants.PruneChunkRows ? deleted : deleted + DeleteUpTo(c, min);
    }

    /// <summary>For a gateway with no sink configured: deletes every row present now.</summary>
    public long PruneAll()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COALESCE(MAX(id), 0) FROM sink_outbox";
        var max = Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        return DeleteUpTo(c, max);
    }

    private static long DeleteUpTo(SqliteConnection c, long maxId)
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

    private static int DeleteChunk(SqliteConnection c, SqliteTransaction? tx, long maxId)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            DELETE FROM sink_outbox WHERE id IN
                (SELECT id FROM sink_outbox WHERE id <= $max ORDER BY id LIMIT $chunk)
            """;
        cmd.Parameters.AddWithValue("$max", maxId);
        cmd.Parameters.AddWithValue("$chunk", SinkConstants.PruneChunkRows);
        return cmd.ExecuteNonQuery();
    }

    private static long ReadCursor(SqliteConnection c, string sink)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT last_id FROM sink_cursor WHERE sink = $sink";
        cmd.Parameters.AddWithValue("$sink", sink);
        return cmd.ExecuteScalar() is long id ? id : 0;
    }

    private SqliteConnection Open()
    {
        if (Volatile.Read(ref _schemaEnsured) == 0)
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        var c = new SqliteConnection(_connectionString);
        c.Open();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = $"PRAGMA busy_timeout = {SinkConstants.SqliteBusyTimeoutMs};";
            cmd.ExecuteNonQuery();
        }
        if (Volatile.Read(ref _schemaEnsured) == 0)
        {
            SqliteSchema.Migrate(c); // two first callers racing here take turns: the second finds it done
            Volatile.Write(ref _schemaEnsured, 1);
        }
        return c;
    }
}
