using Commons.Metering.Gateway.Storage;

namespace Commons.Metering.Gateway.Ledger.Postgres;

/// <summary>The ledger's schema on PostgreSQL, as numbered steps run by <see cref="PostgresMigrator"/>
/// (schema name "ledger" in schema_version). Step 1 is the shape of SQLite's metering.db at its version 4
/// (Ledger/Sqlite/SqliteSchema.cs) with PostgreSQL's types: BIGINT for registers, usage, seq and Unix
/// milliseconds (integer base units throughout), identity columns where SQLite has AUTOINCREMENT. The
/// sinks' cursor and dead-letter tables come with the ledger, as in metering.db, so the sink outbox can
/// join them without a step of its own. A new step is appended with the next number, never edited once
/// released.</summary>
internal static class PostgresSchema
{
    public const string Name = "ledger";

    public static readonly IReadOnlyList<PostgresMigration> Steps =
    [
        new(1, "the ledger: meters, channel rows of readings keyed (meter, seq, channel), channels, hourly usage, events, gauges, statuses, acks, held decisions, sink outbox, cursor and dead letters", Version1),
    ];

    public static int Version => Steps.Count;

    private const string Version1 = """
        CREATE TABLE meters(
            id TEXT PRIMARY KEY,
            community TEXT NOT NULL,
            resource TEXT NOT NULL,
            registered_ms BIGINT NOT NULL,
            last_seen_ms BIGINT);
        CREATE TABLE reading_channels(
            meter TEXT NOT NULL,
            seq BIGINT NOT NULL,
            channel TEXT NOT NULL,
            unit TEXT NOT NULL,
            reg BIGINT NOT NULL,
            usage BIGINT NOT NULL,
            flag TEXT,
            ts_ms BIGINT NOT NULL,
            received_ms BIGINT NOT NULL,
            reading_flag TEXT,
            permit TEXT,
            PRIMARY KEY (meter, seq, channel));
        CREATE INDEX held_readings ON reading_channels(meter, channel, seq) WHERE flag = 'implausible_rate';
        CREATE TABLE channels(
            meter TEXT NOT NULL,
            channel TEXT NOT NULL,
            PRIMARY KEY (meter, channel));
        CREATE TABLE hourly_usage(
            meter TEXT NOT NULL,
            channel TEXT NOT NULL,
            hour_ms BIGINT NOT NULL,
            usage BIGINT NOT NULL,
            PRIMARY KEY (meter, channel, hour_ms));
        CREATE TABLE events(
            meter TEXT NOT NULL,
            seq BIGINT NOT NULL,
            ts_ms BIGINT NOT NULL,
            kind TEXT NOT NULL,
            channel TEXT,
            detail TEXT,
            received_ms BIGINT NOT NULL,
            PRIMARY KEY (meter, seq));
        CREATE TABLE gauges(
            meter TEXT NOT NULL,
            seq BIGINT NOT NULL,
            gauge TEXT NOT NULL,
            quantity TEXT NOT NULL,
            sensor TEXT NOT NULL,
            last BIGINT NOT NULL,
            min BIGINT NOT NULL,
            max BIGINT NOT NULL,
            mean BIGINT NOT NULL,
            samples BIGINT NOT NULL,
            ts_ms BIGINT NOT NULL,
            received_ms BIGINT NOT NULL,
            flag TEXT,
            PRIMARY KEY (meter, seq, gauge));
        CREATE INDEX gauges_by_time ON gauges(meter, gauge, ts_ms);
        CREATE TABLE device_status(
            meter TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            fw TEXT,
            boot BIGINT,
            outbox BIGINT,
            batt_mv BIGINT,
            ts_ms BIGINT,
            received_ms BIGINT NOT NULL);
        CREATE TABLE acks(
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            meter TEXT NOT NULL,
            cid TEXT NOT NULL,
            ok INTEGER NOT NULL,
            err TEXT,
            ts_ms BIGINT NOT NULL,
            received_ms BIGINT NOT NULL);
        CREATE TABLE held_decisions(
            meter TEXT NOT NULL,
            seq BIGINT NOT NULL,
            channel TEXT NOT NULL,
            decision TEXT NOT NULL,
            usage BIGINT NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT NOT NULL,
            decided_ms BIGINT NOT NULL,
            PRIMARY KEY (meter, seq, channel));
        CREATE TABLE sink_outbox(
            id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            line TEXT NOT NULL);
        CREATE TABLE sink_cursor(sink TEXT PRIMARY KEY, last_id BIGINT NOT NULL);
        CREATE TABLE sink_dead_letter(
            sink TEXT NOT NULL,
            outbox_id BIGINT NOT NULL,
            line TEXT NOT NULL,
            error TEXT NOT NULL,
            failed_at_ms BIGINT NOT NULL,
            PRIMARY KEY (sink, outbox_id));
        """;
}
