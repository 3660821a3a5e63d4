using System.Data.Common;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Storage;
using Npgsql;

namespace Commons.Metering.Gateway.Sinks.Postgres;

/// <summary>The sinks' side of the PostgreSQL ledger (Storage:Provider=Postgres): the same tables and the same
/// rules as SqliteSinkOutbox, both AdoSinkOutbox's. Ids are handed out in commit order because only the single
/// ledger writer inserts rows, one transaction after the other (an identity value is taken at insert, not at
/// commit, so a second inserting writer could commit a lower id after a drain passed it: the rebuild from the
/// ledger, which would be one, is not offered on PostgreSQL yet). The first use brings the database to the
/// ledger's schema, so the outbox works before the ledger opened it; PostgreSQL's row locks let the ledger
/// write while a sink commits.</summary>
internal sealed class PostgresSinkOutbox : AdoSinkOutbox, IDisposable
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

    public override string Location { get; }

    public override long RequeueFromLedger(long fromMs, long toMs, IMeterHouseholds? households, CancellationToken cancel) =>
        throw new NotSupportedException("Rebuilding InfluxDB from the ledger is not built for Storage:Provider Postgres yet (Storage/README.md).");

    // string_agg, then the text's UTF-8 bytes, as SQLite's group_concat.
    protected override string BatchSql => """
        SELECT COUNT(*), MAX(id), convert_to(string_agg(line, E'\n' ORDER BY id), 'UTF8')
        FROM (SELECT id, line FROM sink_outbox WHERE id > @after ORDER BY id LIMIT @limit) t
        """;

    // The identity's sequence keeps the high-water mark after pruning (null before its first value).
    protected override string MaxIdSql => """
        SELECT GREATEST(COALESCE((SELECT MAX(id) FROM sink_outbox), 0),
                        COALESCE(pg_sequence_last_value(pg_get_serial_sequence('sink_outbox', 'id')::regclass), 0))
        """;

    protected override DbTransaction BeginWrite(DbConnection connection) => connection.BeginTransaction();

    public void Dispose() => _source.Dispose();

    protected override DbConnection Open()
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
