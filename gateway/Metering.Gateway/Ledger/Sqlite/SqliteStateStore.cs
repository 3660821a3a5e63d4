using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Options;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Ledger.Sqlite;

/// <summary>The embedded state store: one SQLite file in WAL mode. One connection writes (the
/// ledger writer's); the API reads through short-lived read-only connections, which WAL lets run
/// beside the writer.
/// synchronous=FULL by default: in WAL mode FULL syncs the log at every commit, so a commit that
/// has been acknowledged to a device survives power loss (NORMAL survives a process crash but can
/// lose the last commits on power loss, and the device has already deleted those readings).
/// Group commit pays that fsync once per batch (https://sqlite.org/pragma.html#pragma_synchronous,
/// https://sqlite.org/wal.html).</summary>
internal sealed partial class SqliteStateStore : IStateStore, IGaugeReader
{
    private readonly string _path;
    private readonly SqliteSynchronous _synchronous;
    private SqliteConnection? _writer;

    /// <summary>How long the ledger writer waits for a lock held by another connection (the sinks'
    /// short cursor transactions) before the batch fails and is not acknowledged.</summary>
    private const int WriterBusyTimeoutMs = 10_000;
    private readonly WriterState _writerState = new();

    public SqliteStateStore(string dataDirectory, SqliteSynchronous synchronous)
    {
        Directory.CreateDirectory(dataDirectory);
        _path = Path.GetFullPath(Path.Combine(dataDirectory, GatewayDefaults.DatabaseFileName));
        _synchronous = synchronous;
    }

    public string DatabasePath => _path;

    public void Open()
    {
        OwnerOnly(_path);
        _writer = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false,
        }.ToString());
        _writer.Open();
        Exec(_writer, "PRAGMA journal_mode=WAL;");
        // The sinks write their cursor on their own connection. Without a busy_timeout, a writer
        // that meets their lock gets SQLITE_BUSY and Microsoft.Data.Sqlite retries after sleeping
        // 150 ms (SqliteDataReader.NextResult), stalling every device's PUBACK; SQLite's own busy
        // handler waits in steps of 1-100 ms instead (https://sqlite.org/c3ref/busy_timeout.html).
        Exec(_writer, $"PRAGMA busy_timeout={WriterBusyTimeoutMs};");
        Exec(_writer, $"PRAGMA synchronous={_synchronous.ToString().ToUpperInvariant()};");
        // Numbered steps from the file's user_version (SqliteSchema); an older file is copied first.
        SqliteSchema.Migrate(_writer);
    }

    public ILedgerTransaction Begin() =>
        new SqliteLedgerTransaction(_writer ?? throw new InvalidOperationException("store not opened"), _writerState);

    public IReadOnlyList<MeterInfo> LoadMeters()
    {
        using var c = Reader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT id, community, resource FROM meters ORDER BY id";
        using var r = cmd.ExecuteReader();
        var list = new List<MeterInfo>();
        while (r.Read()) list.Add(ToMeter(r.GetString(0), r.GetString(1), r.GetString(2)));
        return list;
    }

    public IReadOnlyList<MeterView> ListMeters()
    {
        using var c = Reader();
        var channels = new Dictionary<string, List<ChannelView>>();
        using (var cmd = c.CreateCommand())
        {
            // Each channel's newest in-order row, found from the end of the meter's primary key range
            // (the state is derived, schema v3).
            cmd.CommandText = """
                SELECT ch.meter, ch.channel, r.seq, r.reg FROM channels ch
                JOIN reading_channels r ON r.meter = ch.meter AND r.channel = ch.channel AND r.seq = (
                    SELECT seq FROM reading_channels x
                    WHERE x.meter = ch.meter AND x.channel = ch.channel AND (x.reading_flag IS NULL OR x.reading_flag <> 'late')
                    ORDER BY seq DESC LIMIT 1)
                ORDER BY ch.meter, ch.channel
                """;
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                if (!channels.TryGetValue(r.GetString(0), out var list)) channels[r.GetString(0)] = list = [];
                list.Add(new ChannelView(r.GetString(1), r.GetInt64(2), r.GetInt64(3)));
            }
        }
        var statuses = new Dictionary<string, StatusView>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT meter, state, fw, boot, outbox, batt_mv, ts_ms, received_ms FROM device_status";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                statuses[r.GetString(0)] = new StatusView(r.GetString(1), NullableString(r, 2), NullableLong(r, 3),
                    NullableLong(r, 4), NullableLong(r, 5), NullableLong(r, 6), r.GetInt64(7));
            }
        }
        var meters = new List<MeterView>();
        using (var cmd = c.CreateCommand())
        {
            // Last seen: the newest reading row's arrival, or a later event/status/ack/late reading.
            cmd.CommandText = """
                SELECT m.id, m.community, m.resource,
                       MAX(COALESCE((SELECT MAX(seq) FROM reading_channels WHERE meter = m.id), 0),
                           COALESCE((SELECT MAX(seq) FROM events WHERE meter = m.id), 0)),
                       NULLIF(MAX(COALESCE(m.last_seen_ms, 0),
                           COALESCE((SELECT received_ms FROM reading_channels WHERE meter = m.id ORDER BY seq DESC LIMIT 1), 0)), 0)
                FROM meters m ORDER BY m.id
                """;
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var id = r.GetString(0);
                meters.Add(new MeterView(ToMeter(id, r.GetString(1), r.GetString(2)), NullableLong(r, 4), r.GetInt64(3),
                    channels.GetValueOrDefault(id) ?? [], statuses.GetValueOrDefault(id)));
            }
        }
        return meters;
    }

    public IReadOnlyList<ChannelUsage> Usage(string meter, long fromHourMs, long toMs)
    {
        using var c = Reader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT ch.channel, COALESCE((SELECT SUM(h.usage) FROM hourly_usage h
                WHERE h.meter = ch.meter AND h.channel = ch.channel AND h.hour_ms >= $from AND h.hour_ms < $to), 0)
            FROM channels ch WHERE ch.meter = $meter ORDER BY ch.channel
            """;
        cmd.Parameters.AddWithValue("$meter", meter);
        cmd.Parameters.AddWithValue("$from", fromHourMs);
        cmd.Parameters.AddWithValue("$to", toMs);
        using var r = cmd.ExecuteReader();
        var list = new List<ChannelUsage>();
        while (r.Read()) list.Add(new ChannelUsage(r.GetString(0), r.GetInt64(1)));
        return list;
    }

    public IReadOnlyList<HourUsage> HourlyUsage(string meter, long fromHourMs, long toMs)
    {
        using var c = Reader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT channel, hour_ms, usage FROM hourly_usage
            WHERE meter = $meter AND hour_ms >= $from AND hour_ms < $to ORDER BY hour_ms, channel
            """;
        cmd.Parameters.AddWithValue("$meter", meter);
        cmd.Parameters.AddWithValue("$from", fromHourMs);
        cmd.Parameters.AddWithValue("$to", toMs);
        using var r = cmd.ExecuteReader();
        var list = new List<HourUsage>();
        while (r.Read()) list.Add(new HourUsage(r.GetString(0), r.GetInt64(1), r.GetInt64(2)));
        return list;
    }

    public IReadOnlyList<ReadingRow> Readings(string meter, long fromMs, long toMs)
    {
        using var c = Reader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = """
            SELECT seq, ts_ms, received_ms, channel, unit, reg, usage, flag, reading_flag FROM reading_channels
            WHERE meter = $meter AND ts_ms >= $from AND ts_ms < $to ORDER BY seq, channel
            """;
        cmd.Parameters.AddWithValue("$meter", meter);
        cmd.Parameters.AddWithValue("$from", fromMs);
        cmd.Parameters.AddWithValue("$to", toMs);
        using var r = cmd.ExecuteReader();
        var list = new List<ReadingRow>();
        while (r.Read())
            list.Add(new ReadingRow(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetString(4), r.GetInt64(5), r.GetInt64(6),
                NullableString(r, 7), NullableString(r, 8)));
        return list;
    }

    public long OutboxDepth()
    {
        using var c = Reader();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT COUNT(*) FROM sink_outbox";
        return (long)cmd.ExecuteScalar()!;
    }

    public long? SequenceHighWater(string meter)
    {
        using var c = Reader();
        using var cmd = c.CreateCommand();
        // SqliteLedgerTransaction.GetMeterState's maxima, walked back along each primary key.
        cmd.CommandText = """
            SELECT EXISTS(SELECT 1 FROM meters WHERE id = $m),
                   MAX(COALESCE((SELECT seq FROM reading_channels WHERE meter = $m AND (reading_flag IS NULL OR reading_flag <> 'seq_jump')
                                 ORDER BY seq DESC LIMIT 1), 0),
                       COALESCE((SELECT MAX(seq) FROM events WHERE meter = $m), 0),
                       COALESCE((SELECT MAX(seq) FROM gauges WHERE meter = $m), 0))
            """;
        cmd.Parameters.AddWithValue("$m", meter);
        using var r = cmd.ExecuteReader();
        r.Read();
        return r.GetInt64(0) == 0 ? null : r.GetInt64(1);
    }

    public IReadOnlyList<HeldReadingView> HeldReadings()
    {
        using var c = Reader();
        using var cmd = c.CreateCommand();
        // Each held row (the partial index holds only those) with its channel's baseline: the newest
        // counted row, as SqliteLedgerTransaction.GetChannel derives it; a hold ends once a counted row
        // is newer than it.
        cmd.CommandText = """
            SELECT h.meter, m.community, m.resource, h.channel, h.seq, h.reg, h.ts_ms, h.received_ms, b.seq, b.reg, b.ts_ms
            FROM reading_channels h INDEXED BY held_readings
            JOIN meters m ON m.id = h.meter
            JOIN reading_channels b ON b.meter = h.meter AND b.channel = h.channel AND b.seq = (
                SELECT x.seq FROM reading_channels x
                WHERE x.meter = h.meter AND x.channel = h.channel AND (x.reading_flag IS NULL OR x.reading_flag = 'seq_gap')
                  AND (x.flag IS NULL OR x.flag NOT IN ('implausible_rate', 'channel_limit', 'implausible_rejected'))
                ORDER BY x.seq DESC LIMIT 1)
            WHERE h.flag = 'implausible_rate' AND h.seq > b.seq
            ORDER BY h.received_ms, h.meter, h.seq, h.channel
            """;
        using var r = cmd.ExecuteReader();
        var list = new List<HeldReadingView>();
        while (r.Read())
            list.Add(new HeldReadingView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5),
                r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10)));
        return list;
    }

    public void Dispose()
    {
        _writerState.Dispose();
        _writer?.Dispose();
        _writer = null;
    }

    private SqliteConnection Reader()
    {
        var c = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = _path, Mode = SqliteOpenMode.ReadOnly,
        }.ToString());
        c.Open();
        return c;
    }

    /// <summary>The ledger holds every household's use: readable by the gateway's user only (0600).
    /// A new file is created empty with that mode before SQLite opens it (SQLite takes an empty file
    /// as a new database, and gives its -wal and -shm files the database file's mode); an existing
    /// one, and its -wal and -shm, are set to it.</summary>
    private static void OwnerOnly(string path)
    {
        if (OperatingSystem.IsWindows()) return;
        const UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        if (!File.Exists(path))
        {
            try { using var _ = new FileStream(path, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = mode }); }
            catch (IOException) when (File.Exists(path)) { }
        }
        foreach (var file in new[] { path, path + "-wal", path + "-shm" })
            if (File.Exists(file)) File.SetUnixFileMode(file, mode);
    }

    private static MeterInfo ToMeter(string id, string community, string resource) =>
        Resources.TryParse(resource, out var res)
            ? new MeterInfo(id, community, res)
            : throw new InvalidDataException($"meters row '{id}' has unknown resource '{resource}'");

    private static long? NullableLong(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static string? NullableString(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static void Exec(SqliteConnection c, string sql, SqliteTransaction? tx = null)
    {
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
