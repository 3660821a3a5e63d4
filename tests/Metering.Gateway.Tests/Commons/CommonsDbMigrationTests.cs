using Commons.Metering.Gateway.PolicyRuntime;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>commons.db written before zone and resource breakers (breakers without until_ms and trips) opens,
/// keeps its rows, and stores the new columns from then on.</summary>
public sealed class CommonsDbMigrationTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("commons-db-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void OldBreakersTable_GetsTheNewColumns_AndKeepsItsRows()
    {
        var path = Path.Combine(_dir, "commons.db");
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = """
                CREATE TABLE breakers (id TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT, safety TEXT, technician INTEGER NOT NULL, since_ms INTEGER NOT NULL);
                INSERT INTO breakers VALUES ('w-h1/kitchen', 'Open', 'device reported leak', 'Leak', 1, 1000);
                """;
            cmd.ExecuteNonQuery();
        }
        using var db = new CommonsDb(path);
        Assert.Equal(("w-h1/kitchen", "Open", (long?)null, (int?)null), db.Breakers().Select(b => (b.Id, b.State, b.UntilMs, b.Trips)).Single());
        db.SaveBreaker("zone:feeder", "Open", "load over", null, false, 2000, untilMs: 2000 + 600_000, trips: 2);
        var zone = db.Breakers().Single(b => b.Id == "zone:feeder");
        Assert.Equal((2000L, (long?)602_000, (int?)2), (zone.SinceMs, zone.UntilMs, zone.Trips));
    }

    /// <summary>Files written before the steps were numbered are all at user_version 0, with or without
    /// the breaker columns: both reach version 2 with the shape of a new file.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnUnnumberedFile_ReachesTheCurrentVersion_WithTheShapeOfANewFile(bool hadTheBreakerColumns)
    {
        var path = Path.Combine(_dir, "commons.db");
        using (var c = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = CommonsDbSchema.Version1 + (hadTheBreakerColumns ? "ALTER TABLE breakers ADD COLUMN until_ms INTEGER; ALTER TABLE breakers ADD COLUMN trips INTEGER;" : "")
                + "INSERT INTO kv VALUES ('stage:water', '2|2|drought');";
            cmd.ExecuteNonQuery();
        }
        using (var db = new CommonsDb(path)) Assert.Equal("2|2|drought", db.Get("stage:water"));
        var fresh = Path.Combine(_dir, "fresh.db");
        using (new CommonsDb(fresh)) { }
        Assert.Equal((2L, Shape(fresh)), (Scalar(path, "PRAGMA user_version"), Shape(path)));
    }

    private static string Shape(string path) => (string)Scalar(path, """
        SELECT group_concat(t.name || '.' || c.name || ':' || c.type || ':' || c."notnull" || ':' || c.pk, '|')
        FROM (SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name) t, pragma_table_info(t.name) c
        """);

    private static object Scalar(string path, string sql)
    {
        using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar()!;
    }
}
