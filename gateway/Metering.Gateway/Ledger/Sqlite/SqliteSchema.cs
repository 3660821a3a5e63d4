namespace Commons.Metering.Gateway.Ledger.Sqlite;

/// <summary>The SQLite schema (user_version 3). Integer base units and Unix milliseconds throughout.
/// Version 2 keeps one row per reading channel with the reading's own columns on it (version 1 had a
/// `readings` row beside each reading's channel rows: a second B-tree insert per reading, on a leaf
/// of its own per meter, measured as ~30% of the writer's time; docs/benchmarks.md).
/// Version 3 stops storing per-meter and per-channel state (newest seq, newest register) beside the
/// rows it is derived from: it was rewritten for every meter and channel of every batch; it is read
/// from the primary keys of reading_channels and events instead (SqliteLedgerTransaction).
/// Added within version 3 (created at open when missing, nothing to migrate): the partial index
/// `held_readings` over the few rows held as implausible_rate (the technicians' list), and
/// `held_decisions`: who accepted or rejected a held reading, when and why (Ledger/HeldReadings.cs).</summary>
internal static class SqliteSchema
{
    public const int Version = 3;

    public const string Create = """
        CREATE TABLE IF NOT EXISTS meters(
            id TEXT PRIMARY KEY,
            community TEXT NOT NULL,
            resource TEXT NOT NULL,
            registered_ms INTEGER NOT NULL,
            last_seen_ms INTEGER);
        CREATE TABLE IF NOT EXISTS reading_channels(
            meter TEXT NOT NULL,
            seq INTEGER NOT NULL,
            channel TEXT NOT NULL,
            unit TEXT NOT NULL,
            reg INTEGER NOT NULL,
            usage INTEGER NOT NULL,
            flag TEXT,
            ts_ms INTEGER NOT NULL DEFAULT 0,
            received_ms INTEGER NOT NULL DEFAULT 0,
            reading_flag TEXT,
            permit TEXT,
            PRIMARY KEY (meter, seq, channel)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS channels(
            meter TEXT NOT NULL,
            channel TEXT NOT NULL,
            PRIMARY KEY (meter, channel)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS hourly_usage(
            meter TEXT NOT NULL,
            channel TEXT NOT NULL,
            hour_ms INTEGER NOT NULL,
            usage INTEGER NOT NULL,
            PRIMARY KEY (meter, channel, hour_ms)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS events(
            meter TEXT NOT NULL,
            seq INTEGER NOT NULL,
            ts_ms INTEGER NOT NULL,
            kind TEXT NOT NULL,
            channel TEXT,
            detail TEXT,
            received_ms INTEGER NOT NULL,
            PRIMARY KEY (meter, seq)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS device_status(
            meter TEXT PRIMARY KEY,
            state TEXT NOT NULL,
            fw TEXT,
            boot INTEGER,
            outbox INTEGER,
            batt_mv INTEGER,
            ts_ms INTEGER,
            received_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS acks(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            meter TEXT NOT NULL,
            cid TEXT NOT NULL,
            ok INTEGER NOT NULL,
            err TEXT,
            ts_ms INTEGER NOT NULL,
            received_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS gauges(
            meter TEXT NOT NULL,
            seq INTEGER NOT NULL,
            gauge TEXT NOT NULL,
            quantity TEXT NOT NULL,
            sensor TEXT NOT NULL,
            last INTEGER NOT NULL,
            min INTEGER NOT NULL,
            max INTEGER NOT NULL,
            mean INTEGER NOT NULL,
            samples INTEGER NOT NULL,
            ts_ms INTEGER NOT NULL,
            received_ms INTEGER NOT NULL,
            flag TEXT,
            PRIMARY KEY (meter, seq, gauge)) WITHOUT ROWID;
        CREATE INDEX IF NOT EXISTS gauges_by_time ON gauges(meter, gauge, ts_ms);
        CREATE INDEX IF NOT EXISTS held_readings ON reading_channels(meter, channel, seq) WHERE flag = 'implausible_rate';
        CREATE TABLE IF NOT EXISTS held_decisions(
            meter TEXT NOT NULL,
            seq INTEGER NOT NULL,
            channel TEXT NOT NULL,
            decision TEXT NOT NULL,
            usage INTEGER NOT NULL,
            actor TEXT NOT NULL,
            reason TEXT NOT NULL,
            decided_ms INTEGER NOT NULL,
            PRIMARY KEY (meter, seq, channel)) WITHOUT ROWID;
        CREATE TABLE IF NOT EXISTS sink_outbox(
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            line TEXT NOT NULL);
        """;

    /// <summary>Version 1 to 2, in the transaction that opens the store: the reading columns move onto
    /// the channel rows (every reading has at least one channel), then the readings table goes.</summary>
    public const string MigrateFrom1 = """
        ALTER TABLE reading_channels ADD COLUMN ts_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE reading_channels ADD COLUMN received_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE reading_channels ADD COLUMN reading_flag TEXT;
        ALTER TABLE reading_channels ADD COLUMN permit TEXT;
        UPDATE reading_channels SET ts_ms = r.ts_ms, received_ms = r.received_ms, reading_flag = r.flag, permit = r.permit
            FROM readings r WHERE r.meter = reading_channels.meter AND r.seq = reading_channels.seq;
        DROP TABLE readings;
        """;

    /// <summary>Version 2 to 3, in the transaction that opens the store: the stored state columns go
    /// (the rows they were copied from stay), and `last_seen_ms` keeps only what no row carries.</summary>
    public const string MigrateFrom2 = """
        ALTER TABLE meters DROP COLUMN last_seq;
        ALTER TABLE meters DROP COLUMN last_reading_seq;
        CREATE TABLE channels_v3(meter TEXT NOT NULL, channel TEXT NOT NULL, PRIMARY KEY (meter, channel)) WITHOUT ROWID;
        INSERT INTO channels_v3(meter, channel) SELECT meter, channel FROM channels;
        DROP TABLE channels;
        ALTER TABLE channels_v3 RENAME TO channels;
        """;
}
