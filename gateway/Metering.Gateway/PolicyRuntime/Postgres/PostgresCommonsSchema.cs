using Commons.Metering.Gateway.Storage;

namespace Commons.Metering.Gateway.PolicyRuntime.Postgres;

/// <summary>The policy runtime's state on PostgreSQL, as numbered steps run by <see cref="PostgresMigrator"/>
/// (schema name "commons" in schema_version, beside the ledger's "ledger"). Step 1 is the shape of SQLite's
/// commons.db at its version 2 (CommonsDbSchema.cs) with two differences a shared database needs: every
/// table is prefixed `commons_` (the ledger's tables live in the same database) and keyed by the community
/// first, so the gateways of several communities keep their stages, breakers and commands apart. Integers
/// are BIGINT (Unix milliseconds, 0/1 flags) so one mapping reads both providers; `ord` is the insertion
/// order SQLite's rowid gives (an upsert keeps it). A new step is appended with the next number, never
/// edited once released.</summary>
internal static class PostgresCommonsSchema
{
    public const string Name = "commons";

    public static readonly IReadOnlyList<PostgresMigration> Steps =
    [
        new(1, "commands, breakers, key/value state, signatures, proposals, refusals per community (commons.db at version 2)", Version1),
    ];

    private const string Version1 = """
        CREATE TABLE commons_commands(
            community TEXT NOT NULL,
            cid TEXT NOT NULL,
            meter TEXT NOT NULL,
            key TEXT NOT NULL,
            wire TEXT NOT NULL,
            cut BIGINT NOT NULL,
            why TEXT NOT NULL,
            created_ms BIGINT NOT NULL,
            state TEXT NOT NULL,
            attempts BIGINT NOT NULL,
            next_attempt_ms BIGINT NOT NULL,
            sent_ms BIGINT,
            acked_ms BIGINT,
            ack_error TEXT,
            confirmed_ms BIGINT,
            ord BIGINT GENERATED ALWAYS AS IDENTITY,
            PRIMARY KEY (community, cid));
        CREATE INDEX commons_commands_open ON commons_commands(community, state);
        CREATE INDEX commons_commands_key ON commons_commands(community, key, ord);
        CREATE TABLE commons_breakers(
            community TEXT NOT NULL,
            id TEXT NOT NULL,
            state TEXT NOT NULL,
            reason TEXT,
            safety TEXT,
            technician BIGINT NOT NULL,
            since_ms BIGINT NOT NULL,
            until_ms BIGINT,
            trips BIGINT,
            PRIMARY KEY (community, id));
        CREATE TABLE commons_kv(
            community TEXT NOT NULL,
            key TEXT NOT NULL,
            value TEXT NOT NULL,
            PRIMARY KEY (community, key));
        CREATE TABLE commons_signatures(
            community TEXT NOT NULL,
            act TEXT NOT NULL,
            member TEXT NOT NULL,
            reason TEXT NOT NULL,
            duration_s BIGINT NOT NULL,
            signed_ms BIGINT NOT NULL,
            PRIMARY KEY (community, act, member));
        CREATE TABLE commons_proposals(
            community TEXT NOT NULL,
            id TEXT NOT NULL,
            yaml TEXT NOT NULL,
            proposer TEXT NOT NULL,
            effective_ms BIGINT NOT NULL,
            approvals TEXT NOT NULL,
            state TEXT NOT NULL,
            created_ms BIGINT NOT NULL,
            PRIMARY KEY (community, id));
        CREATE TABLE commons_refusals(
            community TEXT NOT NULL,
            created_ms BIGINT NOT NULL,
            proposer TEXT NOT NULL,
            yaml TEXT NOT NULL,
            reason TEXT NOT NULL,
            errors TEXT NOT NULL);
        CREATE INDEX commons_refusals_newest ON commons_refusals(community, created_ms);
        """;
}
