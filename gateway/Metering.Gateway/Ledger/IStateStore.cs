using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>The state store seam (docs/design.md, "Growing past one machine"): SQLite today, PostgreSQL
/// by configuration later. The ledger rules live in <see cref="LedgerBatch"/> and talk to the store
/// only through these primitives, so a new store implements storage, never the rules.</summary>
public interface IStateStore : IDisposable
{
    /// <summary>Creates or upgrades the schema; called once before anything else.</summary>
    void Open();

    /// <summary>Starts the transaction of one group-commit batch. Only the single ledger writer calls it.</summary>
    ILedgerTransaction Begin();

    IReadOnlyList<MeterInfo> LoadMeters();

    IReadOnlyList<MeterView> ListMeters();

    /// <summary>Usage per channel of the hour buckets whose start lies in [fromHourMs, toMs).</summary>
    IReadOnlyList<ChannelUsage> Usage(string meter, long fromHourMs, long toMs);

    /// <summary>The hour buckets themselves (channel, hour start, usage) whose start lies in
    /// [fromHourMs, toMs), oldest first: charts and exports bucket them in one query per meter.</summary>
    IReadOnlyList<HourUsage> HourlyUsage(string meter, long fromHourMs, long toMs);

    /// <summary>The stored reading rows (one per channel) whose device time lies in [fromMs, toMs),
    /// by seq then channel, with the usage the ledger counted for each and its flags.</summary>
    IReadOnlyList<ReadingRow> Readings(string meter, long fromMs, long toMs);

    /// <summary>Rows waiting in sink_outbox.</summary>
    long OutboxDepth();

    /// <summary>The meter's sequence high-water mark as the ledger derives it: its newest committed reading
    /// (a seq_jump one never counts), event or gauge seq; 0 when it has none; null for an unknown meter.</summary>
    long? SequenceHighWater(string meter);

    /// <summary>Reading channels held as implausible_rate that still await a decision: newer than their
    /// channel's baseline (a later counted reading ends a hold), oldest first.</summary>
    IReadOnlyList<HeldReadingView> HeldReadings();
}

/// <summary>One transaction of the ledger writer. Savepoints isolate one write of a batch, so a
/// write that fails rolls back alone and the rest of the batch still commits.</summary>
public interface ILedgerTransaction : IDisposable
{
    void Savepoint();
    void Release();
    void RollbackToSavepoint();
    void Commit();

    MeterInfo? GetMeter(string id);
    void InsertMeter(MeterInfo meter, long registeredMs);

    /// <summary>The meter's newest sequence numbers, as committed (derived from its reading and event
    /// rows) or as written earlier in this transaction.</summary>
    MeterState GetMeterState(string meter);
    void SetMeterState(string meter, MeterState state);

    /// <summary>Keeps a meter's last-seen time for a write that leaves no row newer than its newest
    /// reading (an event, a status, an ack, a late reading): an in-order reading's own row carries its
    /// arrival time, so it needs no second write.</summary>
    void RecordSeen(string meter, long receivedMs);

    /// <summary>Whether a reading (meter, seq) is stored already (committed or earlier in this
    /// transaction). Asked only for a seq at or below the meter's newest reading: a newer seq
    /// cannot be a duplicate.</summary>
    bool ReadingExists(string meter, long seq);

    /// <summary>One row per channel of a reading, keyed (meter, seq, channel), carrying the reading's
    /// device time, arrival, permit and reading-level flag (late, seq_gap) beside the channel's
    /// register, usage and flag.</summary>
    void InsertReadingChannel(string meter, Reading reading, long receivedMs, string? readingFlag, ChannelRegister channel, long usage, string? flag);
    /// <summary>The channel's newest in-order register (from its newest non-late reading row), or
    /// null before its first reading.</summary>
    ChannelState? GetChannel(string meter, string channel);
    void SetChannel(string meter, string channel, ChannelState state);

    /// <summary>The channel's newest reading held as implausible_rate after <paramref name="afterSeq"/>
    /// (its baseline's seq): seq, register and device time; null when there is none.</summary>
    ChannelState? LatestHeld(string meter, string channel, long afterSeq);

    /// <summary>The row (meter, seq, channel) when it is held as implausible_rate, else null.</summary>
    HeldRow? GetHeld(string meter, long seq, string channel);

    /// <summary>Marks a held row decided: its flag (implausible_accepted or implausible_rejected) and usage,
    /// and who decided, when and why (held_decisions).</summary>
    void DecideHeld(string meter, long seq, string channel, string flag, long usage, string actor, string reason, long decidedMs);

    /// <summary>How many channels the meter has (committed or created earlier in this transaction).</summary>
    int ChannelCount(string meter);
    void AddHourlyUsage(string meter, string channel, long hourStartMs, long usage);

    /// <summary>Inserts the event row keyed (meter, seq); false when it already exists.</summary>
    bool TryInsertEvent(string meter, DeviceEvent ev, long receivedMs);
    void UpsertStatus(string meter, DeviceStatus status, long receivedMs);
    void InsertAck(string meter, CommandAck ack, long receivedMs);

    /// <summary>Inserts one gauge row keyed (meter, seq, gauge); false when it already exists.</summary>
    bool TryInsertGauge(string meter, GaugeUplink uplink, GaugeValue gauge, string? flag, long receivedMs);

    /// <summary>Appends one InfluxDB line-protocol row to sink_outbox (drained by the sinks).</summary>
    void AppendOutbox(string line);
}
