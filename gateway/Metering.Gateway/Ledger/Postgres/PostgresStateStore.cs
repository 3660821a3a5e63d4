using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Storage;
using Npgsql;

namespace Commons.Metering.Gateway.Ledger.Postgres;

/// <summary>The ledger on PostgreSQL (Metering:Storage:Provider=Postgres): one dedicated connection
/// writes (the ledger writer's), the API reads through pooled connections of the same data source.
/// Durability: a commit returns once PostgreSQL has flushed its WAL (synchronous_commit on, the
/// server's default; https://www.postgresql.org/docs/current/wal-async-commit.html), so a confirmed
/// reading survives a crash of the database server; with a standby, the server's own
/// synchronous_standby_names decides whether it also waits for the copy. The connection string may
/// name several hosts (Npgsql multi-host: Host=a,b;Target Session Attributes=primary).</summary>
internal sealed partial class PostgresStateStore : IStateStore, IGaugeReader
{
    private readonly NpgsqlDataSource _source;
    private readonly PostgresWriterState _writerState = new();
    private NpgsqlConnection? _writer;
    private readonly bool _shared;

    /// <param name="shared">Several gateway instances write this database, each for the communities it
    /// holds the lease of (Cluster/README.md): the outbox rows are inserted at commit under a lock all
    /// of them take, and <see cref="ForgetCachedState"/> is honoured.</param>
    public PostgresStateStore(string connectionString, bool shared = false)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        _source = NpgsqlDataSource.Create(connectionString);
        _shared = shared;
    }

    /// <summary>Another instance may have written this gateway's meters since it read their state (a
    /// community's lease came back): the next transaction reads every meter's and channel's state from
    /// the rows again, and one begun before this call reports <see cref="PostgresLedgerTransaction.StateCurrent"/>
    /// false. Safe from any thread; the writer clears its cache at its next Begin.</summary>
    public void ForgetCachedState() => Interlocked.Increment(ref _writerState.Requested);

    public void Open()
    {
        _writer = _source.OpenConnection();
        PostgresMigrator.Migrate(_writer, PostgresSchema.Name, PostgresSchema.Steps);
    }

    public ILedgerTransaction Begin()
    {
        var writer = _writer ?? throw new InvalidOperationException("store not opened");
        if (writer.State != System.Data.ConnectionState.Open)
        {
            // The server went away (restart, failover, network): Npgsql leaves the connection Broken and
            // never reopens it. Open a new one (this throws while the server is still away, so the batch
            // fails unacknowledged) and forget the cached state: a commit cut off mid-flight may or may
            // not have landed, and only the rows know.
            writer.Dispose();
            _writer = writer = _source.OpenConnection();
            _writerState.Meters.Clear();
            _writerState.Channels.Clear();
        }
        var requested = Volatile.Read(ref _writerState.Requested);
        if (requested != _writerState.Cleared)
        {
            _writerState.Meters.Clear();
            _writerState.Channels.Clear();
            _writerState.Cleared = requested;
        }
        return new PostgresLedgerTransaction(writer, _writerState, _shared);
    }

    public IReadOnlyList<MeterInfo> LoadMeters()
    {
        var list = new List<MeterInfo>();
        Read("SELECT id, community, resource FROM meters ORDER BY id", [], r => list.Add(ToMeter(r.GetString(0), r.GetString(1), r.GetString(2))));
        return list;
    }

    public IReadOnlyList<MeterView> ListMeters()
    {
        var channels = new Dictionary<string, List<ChannelView>>();
        // Each channel's newest in-order row (the state is derived from the rows).
        Read("""
            SELECT ch.meter, ch.channel, r.seq, r.reg FROM channels ch
            JOIN reading_channels r ON r.meter = ch.meter AND r.channel = ch.channel AND r.seq = (
                SELECT seq FROM reading_channels x
                WHERE x.meter = ch.meter AND x.channel = ch.channel AND (x.reading_flag IS NULL OR x.reading_flag <> 'late')
                ORDER BY seq DESC LIMIT 1)
            ORDER BY ch.meter, ch.channel
            """, [], r =>
        {
            if (!channels.TryGetValue(r.GetString(0), out var list)) channels[r.GetString(0)] = list = [];
            list.Add(new ChannelView(r.GetString(1), r.GetInt64(2), r.GetInt64(3)));
        });
        var statuses = new Dictionary<string, StatusView>();
        Read("SELECT meter, state, fw, boot, outbox, batt_mv, ts_ms, received_ms FROM device_status", [], r =>
            statuses[r.GetString(0)] = new StatusView(r.GetString(1), NullableString(r, 2), NullableLong(r, 3),
                NullableLong(r, 4), NullableLong(r, 5), NullableLong(r, 6), r.GetInt64(7)));
        var meters = new List<MeterView>();
        // Last seen: the newest reading row's arrival, or a later event/status/ack/late reading.
        Read("""
            SELECT m.id, m.community, m.resource,
                   GREATEST(COALESCE((SELECT MAX(seq) FROM reading_channels WHERE meter = m.id), 0),
                            COALESCE((SELECT MAX(seq) FROM events WHERE meter = m.id), 0)),
                   NULLIF(GREATEST(COALESCE(m.last_seen_ms, 0),
                       COALESCE((SELECT received_ms FROM reading_channels WHERE meter = m.id ORDER BY seq DESC LIMIT 1), 0)), 0)
            FROM meters m ORDER BY m.id
            """, [], r =>
        {
            var id = r.GetString(0);
            meters.Add(new MeterView(ToMeter(id, r.GetString(1), r.GetString(2)), NullableLong(r, 4), r.GetInt64(3),
                channels.GetValueOrDefault(id) ?? [], statuses.GetValueOrDefault(id)));
        });
        return meters;
    }

    public IReadOnlyList<ChannelUsage> Usage(string meter, long fromHourMs, long toMs)
    {
        var list = new List<ChannelUsage>();
        Read("""
            SELECT ch.channel, COALESCE((SELECT SUM(h.usage) FROM hourly_usage h
                WHERE h.meter = ch.meter AND h.channel = ch.channel AND h.hour_ms >= $2 AND h.hour_ms < $3), 0)::BIGINT
            FROM channels ch WHERE ch.meter = $1 ORDER BY ch.channel
            """, [meter, fromHourMs, toMs], r => list.Add(new ChannelUsage(r.GetString(0), r.GetInt64(1))));
        return list;
    }

    public IReadOnlyList<HourUsage> HourlyUsage(string meter, long fromHourMs, long toMs)
    {
        var list = new List<HourUsage>();
        Read("""
            SELECT channel, hour_ms, usage FROM hourly_usage
            WHERE meter = $1 AND hour_ms >= $2 AND hour_ms < $3 ORDER BY hour_ms, channel
            """, [meter, fromHourMs, toMs], r => list.Add(new HourUsage(r.GetString(0), r.GetInt64(1), r.GetInt64(2))));
        return list;
    }

    public IReadOnlyList<ReadingRow> Readings(string meter, long fromMs, long toMs)
    {
        var list = new List<ReadingRow>();
        Read("""
            SELECT seq, ts_ms, received_ms, channel, unit, reg, usage, flag, reading_flag FROM reading_channels
            WHERE meter = $1 AND ts_ms >= $2 AND ts_ms < $3 ORDER BY seq, channel
            """, [meter, fromMs, toMs], r => list.Add(new ReadingRow(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3),
                r.GetString(4), r.GetInt64(5), r.GetInt64(6), NullableString(r, 7), NullableString(r, 8))));
        return list;
    }

    public long OutboxDepth()
    {
        long depth = 0;
        Read("SELECT COUNT(*) FROM sink_outbox", [], r => depth = r.GetInt64(0));
        return depth;
    }

    public long? SequenceHighWater(string meter)
    {
        long? result = null;
        // PostgresLedgerTransaction.GetMeterState's maxima.
        Read("""
            SELECT EXISTS(SELECT 1 FROM meters WHERE id = $1),
                   GREATEST(COALESCE((SELECT seq FROM reading_channels WHERE meter = $1 AND (reading_flag IS NULL OR reading_flag <> 'seq_jump')
                                      ORDER BY seq DESC LIMIT 1), 0),
                            COALESCE((SELECT MAX(seq) FROM events WHERE meter = $1), 0),
                            COALESCE((SELECT MAX(seq) FROM gauges WHERE meter = $1), 0))
            """, [meter], r => result = r.GetBoolean(0) ? r.GetInt64(1) : null);
        return result;
    }

    public IReadOnlyList<HeldReadingView> HeldReadings()
    {
        var list = new List<HeldReadingView>();
        // Each held row (the partial index held_readings) with its channel's baseline, the newest counted row.
        Read("""
            SELECT h.meter, m.community, m.resource, h.channel, h.seq, h.reg, h.ts_ms, h.received_ms, b.seq, b.reg, b.ts_ms
            FROM reading_channels h
            JOIN meters m ON m.id = h.meter
            JOIN reading_channels b ON b.meter = h.meter AND b.channel = h.channel AND b.seq = (
                SELECT x.seq FROM reading_channels x
                WHERE x.meter = h.meter AND x.channel = h.channel AND (x.reading_flag IS NULL OR x.reading_flag = 'seq_gap')
                  AND (x.flag IS NULL OR x.flag NOT IN ('implausible_rate', 'channel_limit', 'implausible_rejected'))
                ORDER BY x.seq DESC LIMIT 1)
            WHERE h.flag = 'implausible_rate' AND h.seq > b.seq
            ORDER BY h.received_ms, h.meter, h.seq, h.channel
            """, [], r => list.Add(new HeldReadingView(r.GetString(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4),
                r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt64(8), r.GetInt64(9), r.GetInt64(10))));
        return list;
    }

    public void Dispose()
    {
        _writer?.Dispose();
        _writer = null;
        _source.Dispose();
    }

    private void Read(string sql, object?[] args, Action<NpgsqlDataReader> row)
    {
        using var c = _source.OpenConnection();
        using var cmd = new NpgsqlCommand(sql, c);
        foreach (var a in args) cmd.Parameters.Add(PostgresParameters.Of(a));
        using var r = cmd.ExecuteReader();
        while (r.Read()) row(r);
    }

    private static MeterInfo ToMeter(string id, string community, string resource) =>
        Resources.TryParse(resource, out var res)
            ? new MeterInfo(id, community, res)
            : throw new InvalidDataException($"meters row '{id}' has unknown resource '{resource}'");

    private static long? NullableLong(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private static string? NullableString(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
