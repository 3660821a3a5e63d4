using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Ledger.Sqlite;

/// <summary>Before a newer gateway migrates metering.db, a copy of the database as the older gateway
/// left it goes to {data}/pre-upgrade/metering.v{old}.db through SQLite's online backup API: the
/// rollback (docs/operations.md, "Upgrade") is to stop the new gateway, put that file back as
/// metering.db and start the older one. Named by the versions, not the time: a migration retried after
/// a failure (it runs in one transaction, so the file is still the old version) writes the same copy.</summary>
internal static class PreMigrationBackup
{
    public const string Folder = "pre-upgrade";

    public static string PathFor(string databasePath, int fromVersion) =>
        System.IO.Path.Combine(System.IO.Path.GetDirectoryName(databasePath)!, Folder, $"metering.v{fromVersion}.db");

    /// <summary>Copies the open database; throws (and the gateway does not start, nothing migrated) if
    /// the copy cannot be written, e.g. on a full disk.</summary>
    public static string Take(SqliteConnection open, string databasePath, int fromVersion)
    {
        var target = PathFor(databasePath, fromVersion);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
        var partial = target + ".partial";
        File.Delete(partial);
        using (var copy = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = partial, Pooling = false }.ToString()))
        {
            copy.Open();
            open.BackupDatabase(copy);
            using var cmd = copy.CreateCommand();
            cmd.CommandText = "PRAGMA journal_mode=DELETE;";
            cmd.ExecuteNonQuery();
        }
        using (var s = new FileStream(partial, FileMode.Open, FileAccess.ReadWrite)) s.Flush(flushToDisk: true);
        File.Move(partial, target, overwrite: true);
        return target;
    }
}
