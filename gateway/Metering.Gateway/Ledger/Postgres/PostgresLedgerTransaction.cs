using Commons.Metering.Gateway.Domain;
using Npgsql;

namespace Commons.Metering.Gateway.Ledger.Postgres;

/// <summary>One group-commit transaction on the PostgreSQL writer connection, the same primitives as
/// SqliteLedgerTransaction over the same tables: meter and channel state is derived from the rows
/// (never stored), read once per meter and channel and then kept in <see cref="PostgresWriterState"/>;
/// this transaction's writes live in an overlay merged there only after the commit (OverlaidLedgerTransaction, shared with SQLite). A failed
/// statement aborts a PostgreSQL transaction as a whole, so LedgerWriter's retry write by write
/// (one savepoint per write) is what isolates a bad write, as on SQLite.</summary>
internal sealed class PostgresLedgerTransaction : OverlaidLedgerTransaction, ILedgerTransaction
{
    private const string SavepointName = "w";
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _tx;

    /// <summary>Several instances on one database (Cluster/README.md): the outbox rows wait for the
    /// commit, which inserts them under one advisory lock that every instance's commit takes, so ids
    /// follow commit order across instances and a sink's cursor never passes an id that commits later.
    /// Null: one writer, rows inserted as they come (its commits are already in id order).</summary>
    private readonly List<string>? _outboxLines;
    private int _outboxAtSavepoint;

    /// <summary>The advisory lock key of the outbox's inserters: the name's hash, as PostgresMigrator keys its lock.</summary>
    internal const string OutboxLockName = "sink_outbox inserters";

    private static readonly string ChannelLimitFlag = ReadingFlag.ChannelLimit.Name();
    private static readonly string SeqGapFlag = ReadingFlag.SeqGap.Name();
    private static readonly string SeqJumpFlag = ReadingFlag.SeqJump.Name();
    private static readonly string HeldFlag = ReadingFlag.ImplausibleRate.Name();
    private static readonly string RejectedFlag = ReadingFlag.ImplausibleRejected.Name();

    public PostgresLedgerTransaction(NpgsqlConnection connection, PostgresWriterState state, bool serializeOutbox = false)
        : base(state.Meters, state.Channels)
    {
        _connection = connection;
        _state = state;
        _generation = state.Cleared;
        if (serializeOutbox) _outboxLines = [];
        // READ COMMITTED (PostgreSQL's default) is enough: one writer owns these meters, and the
        // primary keys make a second insert of (meter, seq) fail rather than count twice.
        _tx = connection.BeginTransaction();
    }

    /// <summary>The writer's connection and transaction, for a check that must run inside it (Ledger/ILedgerFence.cs).</summary>
    internal NpgsqlConnection Connection => _connection;
    internal NpgsqlTransaction Transaction => _tx;

    private readonly PostgresWriterState _state;
    private readonly int _generation;

    /// <summary>False when the cached state was asked to be forgotten after this transaction began
    /// (PostgresStateStore.ForgetCachedState): what it computed may rest on another writer's stale rows.</summary>
    internal bool StateCurrent => Volatile.Read(ref _state.Requested) == _generation;

    protected override void BeginSavepoint()
    {
        _outboxAtSavepoint = _outboxLines?.Count ?? 0;
        _tx.Save(SavepointName);
    }

    protected override void ReleaseSavepoint() => _tx.Release(SavepointName);

    protected override void RollbackSavepoint()
    {
        _tx.Rollback(SavepointName);
        _tx.Release(SavepointName);
        _outboxLines?.RemoveRange(_outboxAtSavepoint, _outboxLines.Count - _outboxAtSavepoint);
    }

    protected override void CommitRows(LedgerOverlay overlay)
    {
        foreach (var (meter, ms) in overlay.LastSeenMs)
            Run("UPDATE meters SET last_seen_ms = GREATEST(COALESCE(last_seen_ms, 0), $2) WHERE id = $1", meter, ms);
        foreach (var (meter, channel) in overlay.NewChannels)
            Run("INSERT INTO channels(meter, channel) VALUES ($1, $2) ON CONFLICT DO NOTHING", meter, channel);
        if (_outboxLines is { Count: > 0 })
        {
            Run("SELECT pg_advisory_xact_lock(hashtext($1))", OutboxLockName);
            Run("INSERT INTO sink_outbox(line) SELECT line FROM unnest($1::text[]) WITH ORDINALITY AS t(line, n) ORDER BY n", (object)_outboxLines.ToArray());
        }
        _tx.Commit();
    }

    public MeterInfo? GetMeter(string id)
    {
        using var r = Query("SELECT community, resource FROM meters WHERE id = $1", id);
        return r.Read() && Resources.TryParse(r.GetString(1), out var res) ? new MeterInfo(id, r.GetString(0), res) : null;
    }

    public void InsertMeter(MeterInfo meter, long registeredMs) =>
        Run("INSERT INTO meters(id, community, resource, registered_ms) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            meter.Id, meter.Community, meter.Resource.Name(), registeredMs);

    protected override MeterState ReadMeterState(string meter)
    {
        // The maxima UsageRules.AfterReading/AfterEvent keep, derived from the rows as on SQLite: a
        // seq_jump row never moved the sequence, only a counted reading (no flag, or seq_gap) moved the time.
        using var r = Query("""
            SELECT COALESCE((SELECT seq FROM reading_channels WHERE meter = $1 AND (reading_flag IS NULL OR reading_flag <> $2)
                             ORDER BY seq DESC LIMIT 1), 0),
                   COALESCE((SELECT MAX(seq) FROM events WHERE meter = $1), 0),
                   COALESCE((SELECT ts_ms FROM reading_channels WHERE meter = $1 AND (reading_flag IS NULL OR reading_flag = $3)
                             ORDER BY seq DESC LIMIT 1), 0),
                   COALESCE((SELECT MAX(seq) FROM gauges WHERE meter = $1), 0)
            """, meter, SeqJumpFlag, SeqGapFlag);
        r.Read();
        var readingSeq = r.GetInt64(0);
        return new MeterState(Math.Max(readingSeq, Math.Max(r.GetInt64(1), r.GetInt64(3))), readingSeq, r.GetInt64(2));
    }

    public bool ReadingExists(string meter, long seq)
    {
        using var r = Query("SELECT 1 FROM reading_channels WHERE meter = $1 AND seq = $2 LIMIT 1", meter, seq);
        return r.Read();
    }

    public void InsertReadingChannel(string meter, Reading reading, long receivedMs, string? readingFlag, ChannelRegister channel, long usage, string? flag) =>
        Run("""
            INSERT INTO reading_channels(meter, seq, channel, unit, reg, usage, flag, ts_ms, received_ms, reading_flag, permit)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
            """, meter, reading.Seq, channel.Name, channel.Resource.Unit(), channel.Register, usage, flag, reading.TsMs, receivedMs, readingFlag, reading.Permit);

    protected override ChannelState? ReadChannel(string meter, string channel)
    {
        // The channel's newest counted row (SqliteLedgerTransaction.GetChannel: late, seq_jump, ts_behind,
        // held, channel_limit and rejected rows never move the state).
        using var r = Query("""
            SELECT seq, reg, ts_ms FROM reading_channels
            WHERE meter = $1 AND channel = $2 AND (reading_flag IS NULL OR reading_flag = $3) AND (flag IS NULL OR flag NOT IN ($4, $5, $6))
            ORDER BY seq DESC LIMIT 1
            """, meter, channel, SeqGapFlag, HeldFlag, ChannelLimitFlag, RejectedFlag);
        return r.Read() ? new ChannelState(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)) : null;
    }


    public ChannelState? LatestHeld(string meter, string channel, long afterSeq)
    {
        using var r = Query("""
            SELECT seq, reg, ts_ms FROM reading_channels
            WHERE meter = $1 AND channel = $2 AND seq > $3 AND flag = $4
            ORDER BY seq DESC LIMIT 1
            """, meter, channel, afterSeq, HeldFlag);
        return r.Read() ? new ChannelState(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)) : null;
    }

    public HeldRow? GetHeld(string meter, long seq, string channel)
    {
        using var r = Query("SELECT reg, ts_ms FROM reading_channels WHERE meter = $1 AND seq = $2 AND channel = $3 AND flag = $4",
            meter, seq, channel, HeldFlag);
        return r.Read() ? new HeldRow(r.GetInt64(0), r.GetInt64(1)) : null;
    }

    public void DecideHeld(string meter, long seq, string channel, string flag, long usage, string actor, string reason, long decidedMs)
    {
        Run("UPDATE reading_channels SET flag = $4, usage = $5 WHERE meter = $1 AND seq = $2 AND channel = $3", meter, seq, channel, flag, usage);
        Run("""
            INSERT INTO held_decisions(meter, seq, channel, decision, usage, actor, reason, decided_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            """, meter, seq, channel, flag, usage, actor, reason, decidedMs);
    }

    protected override int CommittedChannelCount(string meter)
    {
        using var r = Query("SELECT COUNT(*) FROM channels WHERE meter = $1", meter);
        r.Read();
        return checked((int)r.GetInt64(0));
    }

    public void AddHourlyUsage(string meter, string channel, long hourStartMs, long usage) =>
        Run("""
            INSERT INTO hourly_usage(meter, channel, hour_ms, usage) VALUES ($1, $2, $3, $4)
            ON CONFLICT (meter, channel, hour_ms) DO UPDATE SET usage = hourly_usage.usage + excluded.usage
            """, meter, channel, hourStartMs, usage);

    public bool TryInsertEvent(string meter, DeviceEvent ev, long receivedMs) =>
        Run("INSERT INTO events(meter, seq, ts_ms, kind, channel, detail, received_ms) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
            meter, ev.Seq, ev.TsMs, ev.Kind, ev.Channel, ev.Detail, receivedMs) == 1;

    public void UpsertStatus(string meter, DeviceStatus s, long receivedMs) =>
        Run("""
            INSERT INTO device_status(meter, state, fw, boot, outbox, batt_mv, ts_ms, received_ms) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT (meter) DO UPDATE SET state = excluded.state, fw = COALESCE(excluded.fw, device_status.fw),
                boot = COALESCE(excluded.boot, device_status.boot), outbox = COALESCE(excluded.outbox, device_status.outbox),
                batt_mv = COALESCE(excluded.batt_mv, device_status.batt_mv), ts_ms = COALESCE(excluded.ts_ms, device_status.ts_ms),
                received_ms = excluded.received_ms
            """, meter, s.State, s.Firmware, s.Boot, s.Outbox, s.BatteryMv, s.TsMs, receivedMs);

    public void InsertAck(string meter, CommandAck ack, long receivedMs) =>
        Run("INSERT INTO acks(meter, cid, ok, err, ts_ms, received_ms) VALUES ($1, $2, $3, $4, $5, $6)",
            meter, ack.CommandId, ack.Ok ? 1 : 0, ack.Error, ack.TsMs, receivedMs);

    public bool TryInsertGauge(string meter, GaugeUplink uplink, GaugeValue g, string? flag, long receivedMs) =>
        Run("""
            INSERT INTO gauges(meter, seq, gauge, quantity, sensor, last, min, max, mean, samples, ts_ms, received_ms, flag)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT DO NOTHING
            """, meter, uplink.Seq, g.Name, g.Quantity, g.Sensor, g.Last, g.Min, g.Max, g.Mean, g.Samples, uplink.TsMs, receivedMs, flag) == 1;

    public void AppendOutbox(string line)
    {
        if (_outboxLines is not null) _outboxLines.Add(line);
        else Run("INSERT INTO sink_outbox(line) VALUES ($1)", line);
    }

    public void Dispose() => _tx.Dispose(); // rolls back unless committed; the overlay is dropped with it

    private NpgsqlCommand Command(string sql, object?[] args)
    {
        var cmd = new NpgsqlCommand(sql, _connection, _tx);
        foreach (var a in args) cmd.Parameters.Add(PostgresParameters.Of(a));
        return cmd;
    }

    private int Run(string sql, params object?[] args)
    {
        using var cmd = Command(sql, args);
        return cmd.ExecuteNonQuery();
    }

    private NpgsqlDataReader Query(string sql, params object?[] args)
    {
        using var cmd = Command(sql, args);
        return cmd.ExecuteReader();
    }
}
