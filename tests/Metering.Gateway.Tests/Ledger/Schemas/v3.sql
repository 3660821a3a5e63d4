-- The ledger schema version 3 as the last gateway at version 3 created it: SqliteSchema.Create
-- (git show 7dbe469:gateway/Metering.Gateway/Ledger/Sqlite/SqliteSchema.cs) and the sinks' tables, which
-- the sinks created on first use (git show 7dbe469:gateway/Metering.Gateway/Sinks/SinkOutboxSchema.cs).
-- Version 3 files written before gauges existed lack the gauges table (SchemaUpgradeTests covers them).
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
CREATE TABLE IF NOT EXISTS sink_outbox(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    line TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sink_outbox(id INTEGER PRIMARY KEY AUTOINCREMENT, line TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sink_cursor(sink TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sink_dead_letter(
    sink TEXT NOT NULL,
    outbox_id INTEGER NOT NULL,
    line TEXT NOT NULL,
    error TEXT NOT NULL,
    failed_at_ms INTEGER NOT NULL,
    PRIMARY KEY (sink, outbox_id));
PRAGMA user_version=3;
