using Commons.Metering.Gateway.Domain;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Ledger.Sqlite;

/// <summary>One group-commit transaction on the writer connection. Commands are prepared once per
/// connection (<see cref="WriterState"/>) and re-bound for every row. Meter and channel state is (OverlaidLedgerTransaction)
/// read through an overlay: writes of this transaction first, then the committed state in memory,
/// then SQLite; the overlay reaches <see cref="WriterState"/> only when the commit succeeded.
/// That state is never written as rows of its own (schema v3): it is derived from the reading and
/// event rows, which the ledger writes anyway, so a batch costs no UPDATE per meter and channel
/// (~8 us per reading; docs/benchmarks.md) and the state can never disagree with the rows.</summary>
internal sealed partial class SqliteLedgerTransaction : OverlaidLedgerTransaction, ILedgerTransaction
{
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _tx;
    private readonly WriterState _state;
    private const string SavepointName = "w";

    public SqliteLedgerTransaction(SqliteConnection connection, WriterState state) : base(state.Meters, state.Channels)
    {
        _connection = connection;
        _state = state;
        // BEGIN IMMEDIATE: take the write lock now rather than upgrade later (https://sqlite.org/lang_transaction.html).
        _tx = connection.BeginTransaction(deferred: false);
    }


    protected override void BeginSavepoint() => _tx.Save(SavepointName);

    protected override void ReleaseSavepoint() => _tx.Release(SavepointName);

    protected override void RollbackSavepoint()
    {
        _tx.Rollback(SavepointName);
        _tx.Release(SavepointName);
    }

    /// <summary>What the rows do not carry: a channel's first appearance (the list of a meter's
    /// channels) and the last-seen time of writes without a newer reading row; once per batch.</summary>
    protected override void CommitRows(LedgerOverlay overlay)
    {
        foreach (var (meter, ms) in overlay.LastSeenMs)
            Run("UPDATE meters SET last_seen_ms = MAX(COALESCE(last_seen_ms, 0), $b) WHERE id = $a", meter, ms);
        foreach (var (meter, channel) in overlay.NewChannels)
            Run("INSERT OR IGNORE INTO channels(meter, channel) VALUES ($a, $b)", meter, channel);
        _tx.Commit();
    }

    public MeterInfo? GetMeter(string id)
    {
        using var r = Query("SELECT community, resource FROM meters WHERE id = $a", id);
        return r.Read() && Resources.TryParse(r.GetString(1), out var res) ? new MeterInfo(id, r.GetString(0), res) : null;
    }

    public void InsertMeter(MeterInfo meter, long registeredMs) =>
        Run("INSERT OR IGNORE INTO meters(id, community, resource, registered_ms) VALUES ($a, $b, $c, $d)",
            meter.Id, meter.Community, meter.Resource.Name(), registeredMs);

    protected override MeterState ReadMeterState(string meter)
    {
        // Committed state, derived once per meter from its rows (each lookup walks the primary key back
        // from the meter's last entry; UsageRules.AfterReading/AfterEvent keep exactly these maxima): a
        // seq_jump row never moved the sequence, only a counted reading (no flag, or seq_gap) moved the time.
        using var r = Query("""
            SELECT COALESCE((SELECT seq FROM reading_channels WHERE meter = $a AND (reading_flag IS NULL OR reading_flag <> $b)
                             ORDER BY seq DESC LIMIT 1), 0),
                   COALESCE((SELECT MAX(seq) FROM events WHERE meter = $a), 0),
                   COALESCE((SELECT ts_ms FROM reading_channels WHERE meter = $a AND (reading_flag IS NULL OR reading_flag = $c)
                             ORDER BY seq DESC LIMIT 1), 0),
                   COALESCE((SELECT MAX(seq) FROM gauges WHERE meter = $a), 0)
            """, meter, SeqJumpFlag, SeqGapFlag);
        r.Read();
        var readingSeq = r.GetInt64(0);
        return new MeterState(Math.Max(readingSeq, Math.Max(r.GetInt64(1), r.GetInt64(3))), readingSeq, r.GetInt64(2));
    }

    public bool ReadingExists(string meter, long seq)
    {
        using var r = Query("SELECT 1 FROM reading_channels WHERE meter = $a AND seq = $b LIMIT 1", meter, seq);
        return r.Read();
    }

    public void InsertReadingChannel(string meter, Reading reading, long receivedMs, string? readingFlag, ChannelRegister channel, long usage, string? flag) =>
        Run("""
            INSERT INTO reading_channels(meter, seq, channel, unit, reg, usage, flag, ts_ms, received_ms, reading_flag, permit)
            VALUES ($a, $b, $c, $d, $e, $f, $g, $h, $i, $j, $k)
            """, meter, reading.Seq, channel.Name, channel.Resource.Unit(), channel.Register, usage, flag, reading.TsMs, receivedMs, readingFlag, reading.Permit);

    protected override ChannelState? ReadChannel(string meter, string channel)
    {
        // Committed state, derived once per channel: its newest counted row (a late, seq_jump or
        // ts_behind reading, or a channel held as implausible_rate or rejected by a technician, never
        // moves the state; one a technician accepted does). The
        // primary key (meter, seq, channel) is walked back from the newest seq.
        using var r = Query("""
            SELECT seq, reg, ts_ms FROM reading_channels
            WHERE meter = $a AND channel = $b AND (reading_flag IS NULL OR reading_flag = $c) AND (flag IS NULL OR flag NOT IN ($d, $e, $f))
            ORDER BY seq DESC LIMIT 1
            """, meter, channel, SeqGapFlag, HeldFlag, ChannelLimitFlag, RejectedFlag);
        return r.Read() ? new ChannelState(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)) : null;
    }

    public ChannelState? LatestHeld(string meter, string channel, long afterSeq)
    {
        using var r = Query("""
            SELECT seq, reg, ts_ms FROM reading_channels
            WHERE meter = $a AND channel = $b AND seq > $c AND flag = $d
            ORDER BY seq DESC LIMIT 1
            """, meter, channel, afterSeq, HeldFlag);
        return r.Read() ? new ChannelState(r.GetInt64(0), r.GetInt64(1), r.GetInt64(2)) : null;
    }

    protected override int CommittedChannelCount(string meter)
    {
        using var r = Query("SELECT COUNT(*) FROM channels WHERE meter = $a", meter);
        r.Read();
        return r.GetInt32(0);
    }

    private static readonly string ChannelLimitFlag = ReadingFlag.ChannelLimit.Name();
    private static readonly string SeqGapFlag = ReadingFlag.SeqGap.Name();
    private static readonly string SeqJumpFlag = ReadingFlag.SeqJump.Name();
    private static readonly string HeldFlag = ReadingFlag.ImplausibleRate.Name();
    private static readonly string RejectedFlag = ReadingFlag.ImplausibleRejected.Name();

    public HeldRow? GetHeld(string meter, long seq, string channel)
    {
        using var r = Query("SELECT reg, ts_ms FROM reading_channels WHERE meter = $a AND seq = $b AND channel = $c AND flag = $d",
            meter, seq, channel, HeldFlag);
        return r.Read() ? new HeldRow(r.GetInt64(0), r.GetInt64(1)) : null;
    }

    public void DecideHeld(string meter, long seq, string channel, string flag, long usage, string actor, string reason, long decidedMs)
    {
        Run("UPDATE reading_channels SET flag = $d, usage = $e WHERE meter = $a AND seq = $b AND channel = $c", meter, seq, channel, flag, usage);
        Run("""
            INSERT INTO held_decisions(meter, seq, channel, decision, usage, actor, reason, decided_ms) VALUES ($a, $b, $c, $d, $e, $f, $g, $h)
            """, meter, seq, channel, flag, usage, actor, reason, decidedMs);
    }


    public void AddHourlyUsage(string meter, string channel, long hourStartMs, long usage) =>
        Run("""
            INSERT INTO hourly_usage(meter, channel, hour_ms, usage) VALUES ($a, $b, $c, $d)
            ON CONFLICT(meter, channel, hour_ms) DO UPDATE SET usage = usage + excluded.usage
            """, meter, channel, hourStartMs, usage);

    public bool TryInsertEvent(string meter, DeviceEvent ev, long receivedMs) =>
        Run("INSERT OR IGNORE INTO events(meter, seq, ts_ms, kind, channel, detail, received_ms) VALUES ($a, $b, $c, $d, $e, $f, $g)",
            meter, ev.Seq, ev.TsMs, ev.Kind, ev.Channel, ev.Detail, receivedMs) == 1;

    public void UpsertStatus(string meter, DeviceStatus s, long receivedMs) =>
        Run("""
            INSERT INTO device_status(meter, state, fw, boot, outbox, batt_mv, ts_ms, received_ms) VALUES ($a, $b, $c, $d, $e, $f, $g, $h)
            ON CONFLICT(meter) DO UPDATE SET state = excluded.state, fw = COALESCE(excluded.fw, fw),
                boot = COALESCE(excluded.boot, boot), outbox = COALESCE(excluded.outbox, outbox),
                batt_mv = COALESCE(excluded.batt_mv, batt_mv), ts_ms = COALESCE(excluded.ts_ms, ts_ms),
                received_ms = excluded.received_ms
            """, meter, s.State, s.Firmware, s.Boot, s.Outbox, s.BatteryMv, s.TsMs, receivedMs);

    public void InsertAck(string meter, CommandAck ack, long receivedMs) =>
        Run("INSERT INTO acks(meter, cid, ok, err, ts_ms, received_ms) VALUES ($a, $b, $c, $d, $e, $f)",
            meter, ack.CommandId, ack.Ok ? 1 : 0, ack.Error, ack.TsMs, receivedMs);

    public void AppendOutbox(string line) => Run("INSERT INTO sink_outbox(line) VALUES ($a)", line);

    public void Dispose() => _tx.Dispose(); // rolls back unless committed; the overlay is dropped with it

    private static readonly string[] Names = ["$a", "$b", "$c", "$d", "$e", "$f", "$g", "$h", "$i", "$j", "$k", "$l", "$m"];

    private SqliteCommand Prepare(string sql, object?[] args)
    {
        if (!_state.Commands.TryGetValue(sql, out var cmd))
        {
            cmd = _connection.CreateCommand();
            cmd.Transaction = _tx;
            cmd.CommandText = sql;
            for (var i = 0; i < args.Length; i++) cmd.Parameters.Add(new SqliteParameter(Names[i], null));
            cmd.Prepare();
            _state.Commands[sql] = cmd;
        }
        cmd.Transaction = _tx;
        for (var i = 0; i < args.Length; i++) cmd.Parameters[i].Value = args[i] ?? DBNull.Value;
        return cmd;
    }

    private int Run(string sql, params object?[] args) => Prepare(sql, args).ExecuteNonQuery();

    private SqliteDataReader Query(string sql, params object?[] args) => Prepare(sql, args).ExecuteReader();
}
