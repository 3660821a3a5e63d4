using Commons.Metering.Gateway.Ledger.Sqlite;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>Every older ledger schema, exactly as that gateway created it (Ledger/Schemas/v{N}.sql, cut
/// from git history), filled with one row in every table, opened by this gateway: the old file is
/// first copied to pre-upgrade/metering.v{N}.db unchanged (the rollback), the migrated database has
/// exactly the tables and columns of a fresh one and passes integrity_check, and no row is lost.
/// SchemaMigrationTests checks the ledger's behaviour after each migration.</summary>
public sealed class SchemaUpgradeTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("schema-upgrade-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    public static TheoryData<int> OlderVersions() => new(Enumerable.Range(1, SqliteSchema.Version - 1));

    [Fact]
    public void EveryOlderVersion_HasItsSchemaFile()
    {
        foreach (var v in Enumerable.Range(1, SqliteSchema.Version - 1))
            Assert.True(File.Exists(SchemaFile(v)), $"no {SchemaFile(v)}: add the schema version {v} as it was released");
    }

    [Theory]
    [MemberData(nameof(OlderVersions))]
    public void AnOlderSchema_IsBackedUpUnchanged_ThenMigratedToTheCurrentShape_WithEveryRow(int version)
    {
        var path = Path.Combine(_dir, "metering.db");
        SqliteFile.Exec(path, "PRAGMA journal_mode=WAL;\n" + File.ReadAllText(SchemaFile(version)) + "\n" + Rows[version]);
        var before = SqliteFile.Dump(path);

        using (var store = new SqliteStateStore(_dir, Gateway.Options.SqliteSynchronous.Full)) store.Open();

        var copy = PreMigrationBackup.PathFor(path, version);
        Assert.True(File.Exists(copy), $"no pre-upgrade copy at {copy}");
        Assert.Equal(version, UserVersion(copy));
        Assert.Equal(before, SqliteFile.Dump(copy));

        Assert.Equal(SqliteSchema.Version, UserVersion(path));
        Assert.Equal("ok", SqliteFile.Scalar(path, "PRAGMA integrity_check"));
        var fresh = Path.Combine(_dir, "fresh");
        using (var store = new SqliteStateStore(fresh, Gateway.Options.SqliteSynchronous.Full)) store.Open();
        Assert.Equal(SqliteFile.Shape(Path.Combine(fresh, "metering.db"), indexes: false), SqliteFile.Shape(path, indexes: false));
        // Every table's rows survived (the readings table of version 1 moved onto reading_channels).
        var tables = new[] { "meters", "reading_channels", "channels", "hourly_usage", "events", "device_status", "acks", "sink_outbox" };
        if (version >= 3) tables = [.. tables, "gauges", "sink_cursor", "sink_dead_letter"];
        foreach (var table in tables)
            Assert.True(Convert.ToInt64(SqliteFile.Scalar(path, $"SELECT count(*) FROM {table}"), System.Globalization.CultureInfo.InvariantCulture) > 0, $"{table} lost its rows");
        Assert.Equal("1000,1500", SqliteFile.Scalar(path, "SELECT group_concat(reg) FROM (SELECT reg FROM reading_channels ORDER BY seq)"));
        Assert.Equal(2_000_060_000L, Convert.ToInt64(SqliteFile.Scalar(path, "SELECT ts_ms FROM reading_channels WHERE seq = 2"), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void AVersion3FileFromBeforeGauges_GetsTheGaugeAndSinkTables()
    {
        var path = Path.Combine(_dir, "metering.db");
        SqliteFile.Exec(path, File.ReadAllText(SchemaFile(3)) + "\n" + Rows[2].Replace("INSERT INTO meters VALUES ('w-1', 'c1', 'water', 0, 3, 2, 2000120000);", "INSERT INTO meters VALUES ('w-1', 'c1', 'water', 0, 2000120000);", StringComparison.Ordinal)
            .Replace("INSERT INTO channels VALUES ('w-1', 'main', 2, 1500);", "INSERT INTO channels VALUES ('w-1', 'main');", StringComparison.Ordinal)
            + "\nDROP TABLE gauges; DROP TABLE sink_cursor; DROP TABLE sink_dead_letter;");

        using (var store = new SqliteStateStore(_dir, Gateway.Options.SqliteSynchronous.Full)) store.Open();

        Assert.Equal(SqliteSchema.Version, UserVersion(path));
        var fresh = Path.Combine(_dir, "fresh");
        using (var store = new SqliteStateStore(fresh, Gateway.Options.SqliteSynchronous.Full)) store.Open();
        Assert.Equal(SqliteFile.Shape(Path.Combine(fresh, "metering.db"), indexes: false), SqliteFile.Shape(path, indexes: false));
        Assert.Equal("1000,1500", SqliteFile.Scalar(path, "SELECT group_concat(reg) FROM (SELECT reg FROM reading_channels ORDER BY seq)"));
    }

    [Fact]
    public void ANewerDatabase_IsRefused_AndLeftAsItIs()
    {
        var path = Path.Combine(_dir, "metering.db");
        SqliteFile.Exec(path, $"CREATE TABLE future(x INTEGER); PRAGMA user_version={SqliteSchema.Version + 1};");

        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            using var store = new SqliteStateStore(_dir, Gateway.Options.SqliteSynchronous.Full);
            store.Open();
        });

        Assert.Contains($"schema version {SqliteSchema.Version + 1}, newer than this gateway's {SqliteSchema.Version}", e.Message, StringComparison.Ordinal);
        Assert.Equal(SqliteSchema.Version + 1, UserVersion(path));
        Assert.Equal("future", SqliteFile.Scalar(path, "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table'"));
    }

    [Fact]
    public void AnUpToDateDatabase_IsNotCopied()
    {
        using (var store = new SqliteStateStore(_dir, Gateway.Options.SqliteSynchronous.Full)) store.Open();
        using (var store = new SqliteStateStore(_dir, Gateway.Options.SqliteSynchronous.Full)) store.Open();
        Assert.False(Directory.Exists(Path.Combine(_dir, PreMigrationBackup.Folder)));
    }

    private static string SchemaFile(int version) => Path.Combine(AppContext.BaseDirectory, "Ledger", "Schemas", $"v{version}.sql");

    /// <summary>One row per table as each version wrote them: meter w-1 with two readings (1000, 1500 mL).</summary>
    private static readonly Dictionary<int, string> Rows = new()
    {
        [1] = """
            INSERT INTO meters VALUES ('w-1', 'c1', 'water', 0, 3, 2, 2000120000);
            INSERT INTO readings VALUES ('w-1', 1, 2000000000, 2000000001, NULL, NULL), ('w-1', 2, 2000060000, 2000060001, 'seq_gap', 'p-7');
            INSERT INTO reading_channels VALUES ('w-1', 1, 'main', 'mL', 1000, 0, NULL), ('w-1', 2, 'main', 'mL', 1500, 500, NULL);
            INSERT INTO channels VALUES ('w-1', 'main', 2, 1500);
            INSERT INTO hourly_usage VALUES ('w-1', 'main', 1999998000000, 500);
            INSERT INTO events VALUES ('w-1', 3, 2000120000, 'boot', NULL, NULL, 2000120001);
            INSERT INTO device_status VALUES ('w-1', 'online', '1.0', 1, 0, 3300, 2000120000, 2000120001);
            INSERT INTO acks(meter, cid, ok, err, ts_ms, received_ms) VALUES ('w-1', 'c-1', 1, NULL, 2000120000, 2000120001);
            INSERT INTO sink_outbox(line) VALUES ('water,meter=w-1 reg=1500i 2000060000000000');
            """,
        [2] = """
            INSERT INTO meters VALUES ('w-1', 'c1', 'water', 0, 3, 2, 2000120000);
            INSERT INTO reading_channels VALUES ('w-1', 1, 'main', 'mL', 1000, 0, NULL, 2000000000, 2000000001, NULL, NULL),
                ('w-1', 2, 'main', 'mL', 1500, 500, NULL, 2000060000, 2000060001, 'seq_gap', 'p-7');
            INSERT INTO channels VALUES ('w-1', 'main', 2, 1500);
            INSERT INTO hourly_usage VALUES ('w-1', 'main', 1999998000000, 500);
            INSERT INTO events VALUES ('w-1', 3, 2000120000, 'boot', NULL, NULL, 2000120001);
            INSERT INTO device_status VALUES ('w-1', 'online', '1.0', 1, 0, 3300, 2000120000, 2000120001);
            INSERT INTO acks(meter, cid, ok, err, ts_ms, received_ms) VALUES ('w-1', 'c-1', 1, NULL, 2000120000, 2000120001);
            INSERT INTO sink_outbox(line) VALUES ('water,meter=w-1 reg=1500i 2000060000000000');
            """,
        [3] = """
            INSERT INTO meters VALUES ('w-1', 'c1', 'water', 0, 2000120000);
            INSERT INTO reading_channels VALUES ('w-1', 1, 'main', 'mL', 1000, 0, NULL, 2000000000, 2000000001, NULL, NULL),
                ('w-1', 2, 'main', 'mL', 1500, 500, NULL, 2000060000, 2000060001, 'seq_gap', 'p-7');
            INSERT INTO channels VALUES ('w-1', 'main');
            INSERT INTO hourly_usage VALUES ('w-1', 'main', 1999998000000, 500);
            INSERT INTO events VALUES ('w-1', 3, 2000120000, 'boot', NULL, NULL, 2000120001);
            INSERT INTO device_status VALUES ('w-1', 'online', '1.0', 1, 0, 3300, 2000120000, 2000120001);
            INSERT INTO acks(meter, cid, ok, err, ts_ms, received_ms) VALUES ('w-1', 'c-1', 1, NULL, 2000120000, 2000120001);
            INSERT INTO gauges VALUES ('w-1', 4, 'tank', 'level', 'ultrasonic', 800, 790, 810, 800, 6, 2000180000, 2000180001, NULL);
            INSERT INTO sink_outbox(line) VALUES ('water,meter=w-1 reg=1500i 2000060000000000'), ('water,meter=w-1 reg=1000i 2000000000000000');
            INSERT INTO sink_cursor VALUES ('influx', 1);
            INSERT INTO sink_dead_letter VALUES ('influx', 1, 'bad line', 'unable to parse', 2000060002);
            """,
    };

    private static int UserVersion(string path) => Convert.ToInt32(SqliteFile.Scalar(path, "PRAGMA user_version"), System.Globalization.CultureInfo.InvariantCulture);
}
