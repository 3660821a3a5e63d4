using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>A metering.db written by an older gateway opens under the current schema (SqliteSchema.Version): version 1
/// (a `readings` row beside each reading's channel rows) has its reading columns moved onto the channel
/// rows; version 2 (stored meter and channel state) has the state columns dropped and the state derived
/// from the rows. Nothing is lost, a redelivery of an old reading is still a duplicate and the next
/// reading counts on from the right register.</summary>
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
        Assert.Equal((long)Gateway.Ledger.Sqlite.SqliteSchema.Version, Scalar(db, "PRAGMA user_version"));
        Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM sqlite_master WHERE name = 'readings'"));
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT seq, reg, usage, ts_ms, received_ms, reading_flag, permit FROM reading_channels WHERE meter = 'w-1' ORDER BY seq";
        using var r = cmd.ExecuteReader();
        var rows = new List<string>();
        while (r.Read()) rows.Add($"{r.GetInt64(0)} {r.GetInt64(1)} {r.GetInt64(2)} {r.GetInt64(3) - ts} {(r.IsDBNull(4) ? "-" : "rx")} {(r.IsDBNull(5) ? "-" : r.GetString(5))} {(r.IsDBNull(6) ? "-" : r.GetString(6))}");
        Assert.Equal(["1 1000 0 0 rx - -", "2 1500 500 60000 rx seq_gap p-7", "3 1900 400 120000 rx - -"], rows);
    }

    [Fact]
    public async Task AVersion2Database_DerivesItsStateFromTheRows_ALateRowNeverMovesIt()
    {
        var dir = Directory.CreateTempSubdirectory("schema-v2-").FullName;
        var ts = GatewayHarness.Start.ToUnixTimeMilliseconds();
        WriteVersion2(Path.Combine(dir, "metering.db"), ts);
        try
        {
            await using var g = new GatewayHarness(directory: dir);
            await g.StartAsync();
            // 'main' was last read in order at seq 1 (reg 1000); the late seq 4 row (reg 1800), newer by seq,
            // never moved the state and must not become the baseline.
            Assert.Equal(IngestStatus.Duplicate, (await g.ReadingAsync("w-2", 4, 1_800, ts + 30_000)).Status);
            g.Time.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("w-2", 6, 2_250, ts + 120_000)).Status);
            Assert.Equal(1_250, g.UsageOf("w-2", "main", GatewayHarness.Start.AddHours(-1), GatewayHarness.Start.AddHours(1)));
            var meter = Assert.Single(g.Store.ListMeters(), m => m.Meter.Id == "w-2");
            Assert.Equal(7, meter.LastSeq); // event seq 7 is newer than any reading
            Assert.Equal([new ChannelView("aux", 5, 50), new ChannelView("main", 6, 2_250)], meter.Channels);
            Assert.Equal(ts + 120_000, meter.LastSeenMs);

            using var db = new SqliteConnection($"Data Source={g.DatabasePath};Mode=ReadOnly;Pooling=False");
            db.Open();
            Assert.Equal((long)Gateway.Ledger.Sqlite.SqliteSchema.Version, Scalar(db, "PRAGMA user_version"));
            Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM pragma_table_info('meters') WHERE name IN ('last_seq', 'last_reading_seq')"));
            Assert.Equal(0L, Scalar(db, "SELECT count(*) FROM pragma_table_info('channels') WHERE name IN ('last_seq', 'last_reg')"));
        }
        finally { Directory.Delete(dir, recursive: true); }
    }

    /// <summary>The version-2 schema (every table) with meter w-2: reading 1 (channel main) and 5 (channel aux only)
    /// in order, reading 4 (main) stored late after 5, an event with seq 7.</summary>
    private static void WriteVersion2(string path, long ts)
    {
        WriteOld(path, $"""
            PRAGMA journal_mode=WAL;
            {Released(2)}
            INSERT INTO meters VALUES ('w-2', 'c1', 'water', 0, 7, 5, {ts + 60_000});
            INSERT INTO reading_channels VALUES
                ('w-2', 1, 'main', 'mL', 1000, 0, NULL, {ts}, {ts}, NULL, NULL),
                ('w-2', 5, 'aux', 'mL', 50, 0, NULL, {ts + 20_000}, {ts + 20_000}, 'seq_gap', NULL),
                ('w-2', 4, 'main', 'mL', 1800, 0, NULL, {ts + 15_000}, {ts + 40_000}, 'late', NULL);
            INSERT INTO channels VALUES ('w-2', 'main', 1, 1000), ('w-2', 'aux', 5, 50);
            INSERT INTO events VALUES ('w-2', 7, {ts + 50_000}, 'boot', NULL, NULL, {ts + 60_000});
            PRAGMA user_version=2;
            """);
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
        WriteOld(path, $"""
            PRAGMA journal_mode=WAL;
            {Released(1)}
            INSERT INTO meters VALUES ('w-1', 'c1', 'water', 0, 2, 2, {ts});
            INSERT INTO readings VALUES ('w-1', 1, {ts}, {ts}, NULL, NULL), ('w-1', 2, {ts + 60_000}, {ts + 60_000}, 'seq_gap', 'p-7');
            INSERT INTO reading_channels VALUES ('w-1', 1, 'main', 'mL', 1000, 0, NULL), ('w-1', 2, 'main', 'mL', 1500, 500, 'seq_gap');
            INSERT INTO channels VALUES ('w-1', 'main', 2, 1500);
            INSERT INTO hourly_usage VALUES ('w-1', 'main', {ts - ts % 3_600_000}, 500);
            PRAGMA user_version=1;
            """);
    }

    /// <summary>The schema of a released version exactly as that gateway created it (Ledger/Schemas/v{N}.sql).</summary>
    private static string Released(int version) =>
        File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Ledger", "Schemas", $"v{version}.sql"));

    private static void WriteOld(string path, string sql)
    {
        using var db = new SqliteConnection($"Data Source={path};Pooling=False");
        db.Open();
        using var cmd = db.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
