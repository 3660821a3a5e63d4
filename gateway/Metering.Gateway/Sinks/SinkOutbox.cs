using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Sinks;

internal readonly record struct OutboxRow(long Id, string Line);

internal readonly record struct DeadLetter(long OutboxId, string Line, string Error);

/// <summary>The sinks' side of metering.db: reads outbox rows after a cursor, moves cursors, keeps
/// dead letters and prunes delivered rows. Every write is one short transaction (busy_timeout set)
/// because the ledger group-commits on the same file.</summary>
internal sealed class SinkOutbox
{
    private readonly string _connectionString;
    private int _schemaEnsured;

    public SinkOutbox(string databasePath)
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

    public long ReadCursor(string sink)
    {
        using var c = Open();
        return ReadCursor(c, sink);
    }

    public IReadOnlyList<OutboxRow> ReadAfter(long lastId, int limit)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, line FROM sink_outbox WHERE id > $after ORDER BY id LIMIT $limit";
        cmd.Parameters.AddWithValue("$after", lastId);
        cmd.Parameters.AddWithValue("$limit", limit);
        var rows = new List<OutboxRow>(Math.Min(limit, 1024));
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

    /// <summary>Moves the sink's cursor to <paramref name="lastId"/> (never backwards) and stores
    /// its dead letters, in one transaction.</summary>
    public void Commit(string sink, long lastId, IReadOnlyList<DeadLetter> deadLetters, long nowMs)
    {
        using var c = Open();
        using var tx = c.BeginTransaction(deferred: false);
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
        using var cur = c.CreateCommand();
        cur.Transaction = tx;
        cur.CommandText = """
            INSERT INTO sink_cursor(sink, last_id) VALUES ($sink, $id)
            ON CONFLICT(sink) DO UPDATE SET last_id = excluded.last_id WHERE excluded.last_id > sink_cursor.last_id
            """;
        cur.Parameters.AddWithValue("$sink", sink);
        cur.Parameters.AddWithValue("$id", lastId);
        cur.ExecuteNonQuery();
        tx.Commit();
    }

    /// <summary>Deletes outbox rows every listed sink has delivered (id at or below the smallest of
    /// their cursors; a sink without a cursor row counts as 0). Returns the rows deleted.</summary>
    public long Prune(IReadOnlyCollection<string> sinks)
    {
        if (sinks.Count == 0) return 0;
        using var c = Open();
        var min = sinks.Min(s => ReadCursor(c, s));
        return DeleteUpTo(c, min);
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
        // Bounded: at most 1000 chunks per call; the next drain cycle continues.
        for (var i = 0; i < 1000 && maxId > 0; i++)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                DELETE FROM sink_outbox WHERE id IN
                    (SELECT id FROM sink_outbox WHERE id <= $max ORDER BY id LIMIT $chunk)
                """;
            cmd.Parameters.AddWithValue("$max", maxId);
            cmd.Parameters.AddWithValue("$chunk", SinkConstants.PruneChunkRows);
            var n = cmd.ExecuteNonQuery();
            deleted += n;
            if (n < SinkConstants.PruneChunkRows) break;
        }
        return deleted;
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
            SinkOutboxSchema.Ensure(c); // idempotent, so two first callers racing here is harmless
            Volatile.Write(ref _schemaEnsured, 1);
        }
        return c;
    }
}
