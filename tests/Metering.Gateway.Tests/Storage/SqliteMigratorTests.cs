using Commons.Metering.Gateway.Storage;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests.Storage;

/// <summary>The one migration runner of the SQLite files: numbered steps from the file's user_version,
/// all in one transaction, a newer file refused.</summary>
public sealed class SqliteMigratorTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("migrator-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Three steps, each recording its number in table `ran`.</summary>
    private static SqliteSchemaPlan Plan(Action<SqliteConnection, SqliteTransaction>? third = null) => new("test.db",
    [
        SqliteMigration.Sql(1, "log table", "CREATE TABLE ran(step INTEGER NOT NULL); INSERT INTO ran VALUES (1);"),
        SqliteMigration.Sql(2, "second", "CREATE TABLE two(x INTEGER); INSERT INTO ran VALUES (2);"),
        new SqliteMigration(3, "third", third ?? ((c, tx) => SqliteMigrator.Execute(c, tx, "INSERT INTO ran VALUES (3);"))),
    ]);

    [Fact]
    public void ANewFile_RunsEveryStepInOrder()
    {
        using var c = Open();
        var found = SqliteMigrator.Migrate(c, Plan());
        Assert.Equal(0, found);
        Assert.Equal(3, SqliteMigrator.UserVersion(c, null));
        Assert.Equal("1,2,3", Scalar(c, "SELECT group_concat(step) FROM (SELECT step FROM ran ORDER BY rowid)"));
    }

    [Fact]
    public void AnOlderFile_RunsOnlyTheStepsAboveItsVersion_AfterTheHook()
    {
        using var c = Open();
        SqliteMigrator.Execute(c, null, "CREATE TABLE ran(step INTEGER NOT NULL); INSERT INTO ran VALUES (1); PRAGMA user_version=1;");
        var hooked = new List<int>();

        Assert.Equal(1, SqliteMigrator.Migrate(c, Plan(), hooked.Add));

        Assert.Equal([1], hooked);
        Assert.Equal(3, SqliteMigrator.UserVersion(c, null));
        Assert.Equal("1,2,3", Scalar(c, "SELECT group_concat(step) FROM (SELECT step FROM ran ORDER BY rowid)"));
    }

    [Fact]
    public void ACurrentFile_IsLeftAlone_AndANewOneIsNotHooked()
    {
        using var c = Open();
        var hooked = new List<int>();
        SqliteMigrator.Migrate(c, Plan(), hooked.Add);
        SqliteMigrator.Migrate(c, Plan(), hooked.Add);
        Assert.Empty(hooked);
        Assert.Equal("3", Scalar(c, "SELECT count(*) FROM ran"));
    }

    [Fact]
    public void AFailingStep_LeavesTheFileAsItWas()
    {
        using var c = Open();
        SqliteMigrator.Execute(c, null, "CREATE TABLE ran(step INTEGER NOT NULL); INSERT INTO ran VALUES (1); PRAGMA user_version=1;");

        var e = Assert.Throws<SqliteException>(() => SqliteMigrator.Migrate(c, Plan((cn, tx) => SqliteMigrator.Execute(cn, tx, "INSERT INTO missing VALUES (3);"))));

        Assert.Contains("missing", e.Message, StringComparison.Ordinal);
        Assert.Equal(1, SqliteMigrator.UserVersion(c, null));
        Assert.Equal("0", Scalar(c, "SELECT count(*) FROM sqlite_master WHERE name = 'two'"));
        Assert.Equal("1", Scalar(c, "SELECT group_concat(step) FROM ran"));
        // Mended, the next start finishes the upgrade.
        SqliteMigrator.Migrate(c, Plan());
        Assert.Equal(3, SqliteMigrator.UserVersion(c, null));
    }

    [Fact]
    public void ANewerFile_IsRefused_WithItsVersionAndOurs()
    {
        using var c = Open();
        SqliteMigrator.Execute(c, null, "PRAGMA user_version=7;");
        var e = Assert.Throws<InvalidOperationException>(() => SqliteMigrator.Migrate(c, Plan()));
        Assert.Contains("schema version 7, newer than this gateway's 3", e.Message, StringComparison.Ordinal);
        Assert.Equal(7, SqliteMigrator.UserVersion(c, null));
    }

    [Fact]
    public void APlan_WithAGapInItsNumbers_IsRefused()
    {
        var e = Assert.Throws<ArgumentException>(() => new SqliteSchemaPlan("test.db",
            [SqliteMigration.Sql(1, "a", "SELECT 1;"), SqliteMigration.Sql(3, "b", "SELECT 1;")]));
        Assert.Contains("step 2 is numbered 3", e.Message, StringComparison.Ordinal);
    }

    private SqliteConnection Open()
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(_dir, "test.db")};Pooling=False");
        c.Open();
        return c;
    }

    private static string Scalar(SqliteConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToString(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) ?? "";
    }
}
