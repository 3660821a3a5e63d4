using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Sinks;

/// <summary>Tables shared between the ledger (which fills sink_outbox in its own transaction) and
/// the sinks (which own the cursors and the dead letters). Idempotent.</summary>
public static class SinkOutboxSchema
{
    public const string Sql = """
        CREATE TABLE IF NOT EXISTS sink_outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, line TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS sink_cursor(sink TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS sink_dead_letter(
            sink TEXT NOT NULL,
            outbox_id INTEGER NOT NULL,
            line TEXT NOT NULL,
            error TEXT NOT NULL,
            failed_at_ms INTEGER NOT NULL,
            PRIMARY KEY (sink, outbox_id));
        """;

    /// <summary>Creates sink_outbox, sink_cursor and sink_dead_letter if they do not exist.</summary>
    public static void Ensure(SqliteConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var command = connection.CreateCommand();
        command.CommandText = Sql;
        command.ExecuteNonQuery();
    }
}
