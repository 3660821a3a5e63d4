using Npgsql;

namespace Commons.Metering.Gateway.Storage;

/// <summary>One numbered step of a PostgreSQL schema: it takes a database at <see cref="Version"/> - 1
/// to <see cref="Version"/>, inside the migration's transaction.</summary>
internal sealed record PostgresMigration(int Version, string Why, string Sql);

/// <summary>The migration runner of the PostgreSQL provider, the same story as <see cref="SqliteMigrator"/>:
/// the version lives in a one-row table `schema_version` of the schema's own (PostgreSQL has no
/// user_version); every step above it runs, in order, in ONE transaction that also sets the new version
/// (PostgreSQL's DDL is transactional, so a failed step leaves the database as it was). Openers take turns
/// through a transaction-level advisory lock keyed by the schema's name
/// (https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS): the second reads the
/// version again under the lock and finds nothing left to do. A database newer than the plan is refused.</summary>
internal static class PostgresMigrator
{
    /// <summary>Brings the database to the plan's version; returns the version it had (0 when new).</summary>
    public static int Migrate(NpgsqlConnection connection, string schema, IReadOnlyList<PostgresMigration> steps)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentException.ThrowIfNullOrWhiteSpace(schema);
        for (var i = 0; i < steps.Count; i++)
        {
            if (steps[i].Version != i + 1)
                throw new ArgumentException($"{schema}: step {i + 1} is numbered {steps[i].Version}; steps run 1, 2, 3... without gaps", nameof(steps));
        }
        var target = steps.Count;
        using var tx = connection.BeginTransaction();
        Execute(connection, tx, "SELECT pg_advisory_xact_lock(hashtext(@schema))", ("schema", schema));
        Execute(connection, tx, """
            CREATE TABLE IF NOT EXISTS schema_version(schema TEXT PRIMARY KEY, version INTEGER NOT NULL, migrated_at TIMESTAMPTZ NOT NULL DEFAULT now())
            """);
        using (var cmd = new NpgsqlCommand("SELECT version FROM schema_version WHERE schema = @schema", connection, tx))
        {
            cmd.Parameters.AddWithValue("schema", schema);
            var found = cmd.ExecuteScalar() is int v ? v : 0;
            if (found > target)
                throw new InvalidOperationException($"PostgreSQL database '{connection.Database}' has {schema} schema version {found}, newer than this gateway's {target}: run the newer gateway, or restore a backup made by this one.");
            if (found == target)
            {
                tx.Commit();
                return found;
            }
            foreach (var step in steps)
            {
                if (step.Version > found) Execute(connection, tx, step.Sql);
            }
            Execute(connection, tx, """
                INSERT INTO schema_version(schema, version) VALUES (@schema, @version)
                ON CONFLICT (schema) DO UPDATE SET version = excluded.version, migrated_at = now()
                """, ("schema", schema), ("version", target));
            tx.Commit();
            return found;
        }
    }

    /// <summary>The schema's version in the database (0 when it has none yet).</summary>
    public static int Version(NpgsqlConnection connection, string schema)
    {
        using var cmd = new NpgsqlCommand("SELECT version FROM schema_version WHERE schema = @schema", connection);
        cmd.Parameters.AddWithValue("schema", schema);
        try
        {
            return cmd.ExecuteScalar() is int v ? v : 0;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return 0;
        }
    }

    private static void Execute(NpgsqlConnection connection, NpgsqlTransaction tx, string sql, params (string Name, object Value)[] args)
    {
        using var cmd = new NpgsqlCommand(sql, connection, tx);
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value);
        cmd.ExecuteNonQuery();
    }
}
