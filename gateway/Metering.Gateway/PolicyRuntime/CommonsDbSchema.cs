using Commons.Metering.Gateway.Storage;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The schema of commons.db as numbered steps (<see cref="SqliteMigrator"/>). Files written before
/// the steps were numbered carry user_version 0 whatever shape they have: step 1 creates only what is
/// missing and step 2 adds only the columns that are missing, so every such file reaches version 2.</summary>
internal static class CommonsDbSchema
{
    public static readonly SqliteSchemaPlan Plan = new("commons.db",
    [
        SqliteMigration.Sql(1, "commands, breakers, key/value state, signatures, proposals, refusals", Version1),
        new SqliteMigration(2, "zone and resource breakers: when an open breaker half-opens (until_ms) and its unforgiven trips (the doubled cool-down)", AddBreakerTimes),
    ]);

    public const string Version1 = """
        CREATE TABLE IF NOT EXISTS commands (
          cid TEXT PRIMARY KEY, meter TEXT NOT NULL, key TEXT NOT NULL, wire TEXT NOT NULL, cut INTEGER NOT NULL,
          why TEXT NOT NULL, created_ms INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL,
          next_attempt_ms INTEGER NOT NULL, sent_ms INTEGER, acked_ms INTEGER, ack_error TEXT, confirmed_ms INTEGER);
        CREATE INDEX IF NOT EXISTS commands_open ON commands(state);
        CREATE TABLE IF NOT EXISTS breakers (
          id TEXT PRIMARY KEY, state TEXT NOT NULL, reason TEXT, safety TEXT, technician INTEGER NOT NULL, since_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        CREATE TABLE IF NOT EXISTS signatures (
          act TEXT NOT NULL, member TEXT NOT NULL, reason TEXT NOT NULL, duration_s INTEGER NOT NULL, signed_ms INTEGER NOT NULL,
          PRIMARY KEY (act, member));
        CREATE TABLE IF NOT EXISTS proposals (
          id TEXT PRIMARY KEY, yaml TEXT NOT NULL, proposer TEXT NOT NULL, effective_ms INTEGER NOT NULL,
          approvals TEXT NOT NULL, state TEXT NOT NULL, created_ms INTEGER NOT NULL);
        CREATE TABLE IF NOT EXISTS refusals (
          created_ms INTEGER NOT NULL, proposer TEXT NOT NULL, yaml TEXT NOT NULL, reason TEXT NOT NULL, errors TEXT NOT NULL);
        """;

    private static void AddBreakerTimes(Microsoft.Data.Sqlite.SqliteConnection c, Microsoft.Data.Sqlite.SqliteTransaction tx)
    {
        var columns = SqliteMigrator.Columns(c, tx, "breakers");
        if (!columns.Contains("until_ms")) SqliteMigrator.Execute(c, tx, "ALTER TABLE breakers ADD COLUMN until_ms INTEGER");
        if (!columns.Contains("trips")) SqliteMigrator.Execute(c, tx, "ALTER TABLE breakers ADD COLUMN trips INTEGER");
    }
}
