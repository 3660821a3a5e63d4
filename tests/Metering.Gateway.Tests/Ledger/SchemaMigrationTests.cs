using Commons.Metering.Gateway.Ingest;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>A metering.db written by a version-1 gateway (a `readings` row beside each reading's
/// channel rows) opens under version 2: the reading columns move onto the channel rows, nothing is
/// lost, a redelivery of an old reading is still a duplicate and the next reading counts on.</summary>
public sealed class SchemaMigrationTests
{
    [Fact]
    public async Task AVersion1Database_IsMigrated_WithoutLosingOrRecountingAReading()
    {
        var dir = Directory.CreateTempSubdirectory("schema-v1-").FullName;
        var ts = GatewayHarness.Start.ToUnixTimeMilliseconds();
        WriteVersion1(Path.Combine(dir, "metering.db"), ts);
        try { await MigratedAsync(dir, ts); }
        finally { Directory.Delete(dir, recursive: true); }
    }

    private static async Task MigratedAsync(string dir, long ts)
    {
        await using var g = new GatewayHarness(directory: dir);
        await g.StartAsync();

        Assert.Equal(IngestStatus.Duplicate, (await g.ReadingAsync("w-1", 2, 1_500, ts + 60_000)).Status);
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("w-1", 3, 1_900, ts + 120_000)).Status);
        Assert.Equal(500 + 400, g.UsageOf("w-1", "main", GatewayHarness.Start.AddHours(-1), GatewayHarness.Start.AddHours(1)));

        using var db = new SqliteConnection($"Data Source={g.DatabasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        Assert.Equal(2L, Scalar(db, "PRAGMA user_version"));
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'readings'"));
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT seq, reg, usage, ts_ms, received_ms, reading_flag, permit FROM reading_channels WHERE meter = 'w-1' ORDER BY seq";
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read()) rows.Add($"{r.GetInt64(0)} {r.GetInt64(1)} {r.GetInt64(2)} {r.GetInt64(3) - ts} {(r.IsDBNull(4) ? "-" : "rx")} {(r.IsDBNull(5) ? "-" : r.GetString(5))} {(r.IsDBNull(6) ? "-" : r.GetString(6))}");
        Assert.Equal(["1 1000 0 0 rx - -", "2 1500 500 60000 rx seq_gap p-7", "3 1900 400 120000 rx - -"], rows);
    }

    private static long Scalar(SqliteConnection db, string sql)
    {
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>The version-1 schema as that gateway created it, with two readings of w-1 (the second
    /// flagged seq_gap and booked against a permit, to see every column move).</summary>
    private static void WriteVersion1(string path, long ts)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = $"""
            PRAGMA journal_mode=WAL;
            CREATE TABLE meters(id TEXT PRIMARY KEY, community TEXT NOT NULL, resource TEXT NOT NULL, registered_ms INTEGER NOT NULL,
                last_seq INTEGER NOT NULL DEFAULT 0, last_reading_seq INTEGER NOT NULL DEFAULT 0, last_seen_ms INTEGER);
            CREATE TABLE readings(meter TEXT NOT NULL, seq INTEGER NOT NULL, ts_ms INTEGER NOT NULL, received_ms INTEGER NOT NULL,
                flag TEXT, permit TEXT, PRIMARY KEY (meter, seq)) WITHOUT ROWID;
            CREATE TABLE reading_channels(meter TEXT NOT NULL, seq INTEGER NOT NULL, channel TEXT NOT NULL, unit TEXT NOT NULL,
                reg INTEGER NOT NULL, usage INTEGER NOT NULL, flag TEXT, PRIMARY KEY (meter, seq, channel)) WITHOUT ROWID;
            CREATE TABLE channels(meter TEXT NOT NULL, channel TEXT NOT NULL, last_seq INTEGER NOT NULL, last_reg INTEGER NOT NULL,
                PRIMARY KEY (meter, channel)) WITHOUT ROWID;
            CREATE TABLE hourly_usage(meter TEXT NOT NULL, channel TEXT NOT NULL, hour_ms INTEGER NOT NULL, usage INTEGER NOT NULL,
                PRIMARY KEY (meter, channel, hour_ms)) WITHOUT ROWID;
            INSERT INTO meters VALUES ('w-1', 'c1', 'water', 0, 2, 2, {ts});
            INSERT INTO readings VALUES ('w-1', 1, {ts}, {ts}, NULL, NULL), ('w-1', 2, {ts + 60_000}, {ts + 60_000}, 'seq_gap', 'p-7');
            INSERT INTO reading_channels VALUES ('w-1', 1, 'main', 'mL', 1000, 0, NULL), ('w-1', 2, 'main', 'mL', 1500, 500, 'seq_gap');
            INSERT INTO channels VALUES ('w-1', 'main', 2, 1500);
            INSERT INTO hourly_usage VALUES ('w-1', 'main', {ts - ts % 3_600_000}, 500);
            PRAGMA user_version=1;
            """;
        cmd.ExecuteNonQuery();
    }
}
