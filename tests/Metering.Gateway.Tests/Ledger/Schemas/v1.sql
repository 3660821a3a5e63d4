-- The ledger schema version 1 exactly as gateway/Metering.Gateway/Ledger/Sqlite/SqliteSchema.cs created it
-- (git show b00d4c2^:gateway/Metering.Gateway/Ledger/Sqlite/SqliteSchema.cs, the commit before version 2).
CREATE TABLE IF NOT EXISTS meters(
    id TEXT PRIMARY KEY,
    community TEXT NOT NULL,
    resource TEXT NOT NULL,
    registered_ms INTEGER NOT NULL,
    last_seq INTEGER NOT NULL DEFAULT 0,
    last_reading_seq INTEGER NOT NULL DEFAULT 0,
    last_seen_ms INTEGER);
CREATE TABLE IF NOT EXISTS readings(
    meter TEXT NOT NULL,
    seq INTEGER NOT NULL,
    ts_ms INTEGER NOT NULL,
    received_ms INTEGER NOT NULL,
    flag TEXT,
    permit TEXT,
    PRIMARY KEY (meter, seq)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS reading_channels(
    meter TEXT NOT NULL,
    seq INTEGER NOT NULL,
    channel TEXT NOT NULL,
    unit TEXT NOT NULL,
    reg INTEGER NOT NULL,
    usage INTEGER NOT NULL,
    flag TEXT,
    PRIMARY KEY (meter, seq, channel)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS channels(
    meter TEXT NOT NULL,
    channel TEXT NOT NULL,
    last_seq INTEGER NOT NULL,
    last_reg INTEGER NOT NULL,
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
CREATE TABLE IF NOT EXISTS sink_outbox(
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    line TEXT NOT NULL);
PRAGMA user_version=1;
