using System.Data.Common;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Sinks.Sqlite;

/// <summary>The sinks' side of metering.db (the rules are AdoSinkOutbox's): reads outbox rows after a cursor, moves cursors, keeps
/// dead letters and prunes delivered rows. Every write is one short transaction (busy_timeout set)
/// because the ledger group-commits on the same file. The first connection brings the file to the
/// ledger's schema (SqliteSchema, the one migration runner), so the outbox works before the ledger opened it.</summary>
internal sealed class SqliteSinkOutbox : AdoSinkOutbox
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

    public override string Location => DatabasePath;

    public override long RequeueFromLedger(long fromMs, long toMs, IMeterHouseholds? households, CancellationToken cancel) =>
        LedgerReplay.Enqueue(DatabasePath, fromMs, toMs, cancel, households);

    protected override string BatchSql => """
        SELECT COUNT(*), MAX(id), CAST(group_concat(line, char(10) ORDER BY id) AS BLOB)
        FROM (SELECT id, line FROM sink_outbox WHERE id > @after ORDER BY id LIMIT @limit)
        """;

    // AUTOINCREMENT keeps the high-water mark in sqlite_sequence even after pruning.
    protected override string MaxIdSql => """
        SELECT MAX(COALESCE((SELECT MAX(id) FROM sink_outbox), 0),
                   COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'sink_outbox'), 0))
        """;

    protected override DbTransaction BeginWrite(DbConnection connection) => ((SqliteConnection)connection).BeginTransaction(deferred: false);

    protected override DbConnection Open()
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
