using System.Globalization;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Storage;

/// <summary>The one migration runner of the SQLite files: the file's version is its `user_version`
/// (https://sqlite.org/pragma.html#pragma_user_version, 0 for a new file); every step numbered above it
/// runs, in order, in ONE immediate transaction that also sets the new version, so a failed step leaves
/// the file as it was and the next start tries again. A file newer than the plan is refused: an older
/// gateway must not write a schema it does not know.</summary>
internal static class SqliteMigrator
{
    /// <summary>Brings the database open on <paramref name="connection"/> to <paramref name="plan"/>'s
    /// version. <paramref name="beforeUpgrade"/> runs with the old version before an existing file
    /// (version 1 or more) is changed, e.g. to copy it. Returns the version the file had.</summary>
    public static int Migrate(SqliteConnection connection, SqliteSchemaPlan plan, Action<int>? beforeUpgrade = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(plan);
        var found = UserVersion(connection, null);
        Refuse(connection, plan, found);
        if (found == plan.Version) return found;
        if (found > 0) beforeUpgrade?.Invoke(found);
        // Immediate: two openers of the same file (the ledger and the sinks share metering.db) take turns;
        // the second reads the version again under the lock and finds nothing left to do.
        using var tx = connection.BeginTransaction(deferred: false);
        var current = UserVersion(connection, tx);
        Refuse(connection, plan, current);
        foreach (var step in plan.Steps)
        {
            if (step.Version > current) step.Apply(connection, tx);
        }
        Execute(connection, tx, $"PRAGMA user_version={plan.Version.ToString(CultureInfo.InvariantCulture)};");
        tx.Commit();
        return found;
    }

    public static int UserVersion(SqliteConnection connection, SqliteTransaction? tx)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "PRAGMA user_version;";
        return Convert.ToInt32(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>The names of a table's columns (empty when the table does not exist).</summary>
    public static HashSet<string> Columns(SqliteConnection connection, SqliteTransaction tx, string table)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT name FROM pragma_table_info($table)";
        cmd.Parameters.AddWithValue("$table", table);
        using var r = cmd.ExecuteReader();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (r.Read()) names.Add(r.GetString(0));
        return names;
    }

    public static void Execute(SqliteConnection connection, SqliteTransaction? tx, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static void Refuse(SqliteConnection connection, SqliteSchemaPlan plan, int version)
    {
        if (version > plan.Version)
            throw new InvalidOperationException($"{connection.DataSource} has schema version {version}, newer than this gateway's {plan.Version}: run the newer gateway, or restore a backup made by this one.");
    }
}
