using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Storage;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Ledger.Sqlite;

/// <summary>The schema of metering.db (the ledger and the sink outbox), as numbered steps run by
/// <see cref="SqliteMigrator"/>: a new file runs all of them, an older one those above its version.
/// Integer base units and Unix milliseconds throughout. Every step is tested from the version before it
/// (tests/Metering.Gateway.Tests/Ledger/SchemaUpgradeTests.cs, with each released version's file).</summary>
internal static class SqliteSchema
{
    public const int Version = 4;

    /// <summary>metering.db's steps, oldest first.</summary>
    public static readonly SqliteSchemaPlan Plan = new(GatewayDefaults.DatabaseFileName,
    [
        SqliteMigration.Sql(1, "the first ledger: meters, readings with their channel rows, stored meter and channel state, hourly usage, events, statuses, acks, sink_outbox", Version1),
        SqliteMigration.Sql(2, "the reading columns move onto the channel rows", MigrateFrom1),
        SqliteMigration.Sql(3, "meter and channel state derived from the rows instead of stored", MigrateFrom2),
        SqliteMigration.Sql(4, "gauges, the sinks' cursor and dead-letter tables, held readings and their decisions in the schema", MigrateFrom3),
    ]);

    /// <summary>Brings an open metering.db to <see cref="Version"/>; an existing older file is first
    /// copied as it is (<see cref="PreMigrationBackup"/>, the documented rollback).</summary>
    public static void Migrate(SqliteConnection connection)
    {
        var path = connection.DataSource;
        SqliteMigrator.Migrate(connection, Plan, version => PreMigrationBackup.Take(connection, path, version));
    }

    /// <summary>Version 1 as the first gateway created it.</summary>
    public const string Version1 = """
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
        """;

    /// <summary>Version 1 to 2: the reading columns move onto the channel rows (every reading has at least
    /// one channel), then the readings table goes. Version 1 had a `readings` row beside each reading's
    /// channel rows: a second B-tree insert per reading, on a leaf of its own per meter, measured as ~30%
    /// of the writer's time (docs/benchmarks.md).</summary>
    public const string MigrateFrom1 = """
        ALTER TABLE reading_channels ADD COLUMN ts_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE reading_channels ADD COLUMN received_ms INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE reading_channels ADD COLUMN reading_flag TEXT;
        ALTER TABLE reading_channels ADD COLUMN permit TEXT;
        UPDATE reading_channels SET ts_ms = r.ts_ms, received_ms = r.received_ms, reading_flag = r.flag, permit = r.permit
            FROM readings r WHERE r.meter = reading_channels.meter AND r.seq = reading_channels.seq;
        DROP TABLE readings;
        """;

    /// <summary>Version 2 to 3: per-meter and per-channel state (newest seq, newest register) was rewritten
    /// for every meter and channel of every batch beside the rows it is derived from; it is read from the
    /// primary keys of reading_channels and events instead (SqliteLedgerTransaction). The stored state
    /// columns go (the rows they were copied from stay), and `last_seen_ms` keeps only what no row carries.</summary>
    public const string MigrateFrom2 = """
        ALTER TABLE meters DROP COLUMN last_seq;
        ALTER TABLE meters DROP COLUMN last_reading_seq;
        CREATE TABLE channels_v3(meter TEXT NOT NULL, channel TEXT NOT NULL, PRIMARY KEY (meter, channel)) WITHOUT ROWID;
        INSERT INTO channels_v3(meter, channel) SELECT meter, channel FROM channels;
        DROP TABLE channels;
        ALTER TABLE channels_v3 RENAME TO channels;
        """;

    /// <summary>Version 3 to 4: the gauges table (added to version 3 files later, so a version 3 file may
    /// hold it already), the sinks' tables, which the sinks used to create themselves on first use, and
    /// the technicians' list of readings held as implausible_rate (the partial index `held_readings`)
    /// with their decisions (`held_decisions`: who accepted or rejected, when and why; Ledger/HeldReadings.cs).</summary>
    public const string MigrateFrom3 = """
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
        CREATE TABLE IF NOT EXISTS sink_cursor(sink TEXT PRIMARY KEY, last_id INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS sink_dead_letter(
            sink TEXT NOT NULL,
            outbox_id INTEGER NOT NULL,
            line TEXT NOT NULL,
            error TEXT NOT NULL,
            failed_at_ms INTEGER NOT NULL,
            PRIMARY KEY (sink, outbox_id));
        """;
}
