using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Storage;
using Npgsql;

namespace Commons.Metering.Gateway.Sinks.Postgres;

/// <summary>The sinks' side of the PostgreSQL ledger (Storage:Provider=Postgres): the same tables and
/// the same contract as SqliteSinkOutbox. Ids are handed out in commit order because only the single
/// ledger writer inserts rows, one transaction after the other (an identity value is taken at insert,
/// not at commit, so a second inserting writer could commit a lower id after a drain passed it: the
/// rebuild from the ledger, which would be one, is not offered on PostgreSQL yet). The first use brings
/// the database to the ledger's schema, so the outbox works before the ledger opened it.</summary>
internal sealed class PostgresSinkOutbox : ISinkOutbox, IDisposable
{
    private readonly NpgsqlDataSource _source;
    private int _schemaEnsured;

    public PostgresSinkOutbox(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _source = NpgsqlDataSource.Create(connectionString);
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        Location = $"PostgreSQL database '{b.Database}' on {b.Host}";
    }

    public string Location { get; }

    public long RequeueFromLedger(long fromMs, long toMs, IMeterHouseholds? households, CancellationToken cancel) =>
        throw new NotSupportedException("Rebuilding InfluxDB from the ledger is not built for Storage:Provider Postgres yet (Storage/README.md).");

    public long ReadCursor(string sink)
    {
        using var c = Open();
        return ReadCursor(c, null, sink);
    }

    /// <summary>One request body joined by PostgreSQL itself (string_agg, then the text's UTF-8 bytes),
    /// as SQLite's group_concat does for SqliteSinkOutbox.</summary>
    public OutboxBatch ReadBatchAfter(long lastId, int limit)
    {
        using var c = Open();
        using var cmd = new NpgsqlCommand("""
            SELECT COUNT(*), MAX(id), convert_to(string_agg(line, E'\n' ORDER BY id), 'UTF8')
            FROM (SELECT id, line FROM sink_outbox WHERE id > $1 ORDER BY id LIMIT $2) t
            """, c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = lastId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (long)limit });
        using var r = cmd.ExecuteReader();
        r.Read();
        var count = r.GetInt64(0);
        return count == 0 ? OutboxBatch.Empty : new OutboxBatch(r.GetInt64(1), checked((int)count), r.GetFieldValue<byte[]>(2));
    }

    public IReadOnlyList<OutboxRow> ReadRange(long afterId, long upToId)
    {
        using var c = Open();
        using var cmd = new NpgsqlCommand("SELECT id, line FROM sink_outbox WHERE id > $1 AND id <= $2 ORDER BY id", c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = afterId });
        cmd.Parameters.Add(new NpgsqlParameter { Value = upToId });
        var rows = new List<OutboxRow>((int)Math.Clamp(upToId - afterId, 0, 1024));
        using var r = cmd.ExecuteReader();
        while (r.Read()) rows.Add(new OutboxRow(r.GetInt64(0), r.GetString(1)));
        return rows;
    }

    public long MaxId()
    {
        using var c = Open();
        // The identity's sequence keeps the high-water mark after pruning (null before its first value).
        using var cmd = new NpgsqlCommand("""
            SELECT GREATEST(COALESCE((SELECT MAX(id) FROM sink_outbox), 0),
                            COALESCE(pg_sequence_last_value(pg_get_serial_sequence('sink_outbox', 'id')::regclass), 0))
            """, c);
        return (long)cmd.ExecuteScalar()!;
    }

    /// <summary>Cursor (never backwards), dead letters and the prune of what every sink delivered, in one
    /// transaction, as SqliteSinkOutbox.Commit; PostgreSQL's row locks let the ledger write meanwhile.</summary>
    public long Commit(string sink, long lastId, IReadOnlyList<DeadLetter> deadLetters, long nowMs, IReadOnlyCollection<string> sinks)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        foreach (var d in deadLetters)
        {
            Execute(c, tx, """
                INSERT INTO sink_dead_letter(sink, outbox_id, line, error, failed_at_ms) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT DO NOTHING
                """, sink, d.OutboxId, d.Line, d.Error, nowMs);
        }
        Execute(c, tx, """
            INSERT INTO sink_cursor(sink, last_id) VALUES ($1, $2)
            ON CONFLICT (sink) DO UPDATE SET last_id = excluded.last_id WHERE excluded.last_id > sink_cursor.last_id
            """, sink, lastId);
        var min = sinks.Count == 0 ? 0 : sinks.Min(s => ReadCursor(c, tx, s));
        var deleted = min > 0 ? Execute(c, tx, "DELETE FROM sink_outbox WHERE id <= $1", min) : 0;
        tx.Commit();
        return deleted;
    }

    public long PruneAll()
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        var deleted = Execute(c, tx, "DELETE FROM sink_outbox WHERE id <= (SELECT COALESCE(MAX(id), 0) FROM sink_outbox)");
        tx.Commit();
        return deleted;
    }

    public void Dispose() => _source.Dispose();

    private static long ReadCursor(NpgsqlConnection c, NpgsqlTransaction? tx, string sink)
    {
        using var cmd = new NpgsqlCommand("SELECT last_id FROM sink_cursor WHERE sink = $1", c, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = sink });
        return cmd.ExecuteScalar() is long id ? id : 0;
    }

    private static int Execute(NpgsqlConnection c, NpgsqlTransaction tx, string sql, params object[] args)
    {
        using var cmd = new NpgsqlCommand(sql, c, tx);
        foreach (var a in args) cmd.Parameters.Add(new NpgsqlParameter { Value = a });
        return cmd.ExecuteNonQuery();
    }

    private NpgsqlConnection Open()
    {
        var c = _source.OpenConnection();
        if (Volatile.Read(ref _schemaEnsured) == 0)
        {
            PostgresMigrator.Migrate(c, PostgresSchema.Name, PostgresSchema.Steps); // openers take turns under the advisory lock
            Volatile.Write(ref _schemaEnsured, 1);
        }
        return c;
    }
}
