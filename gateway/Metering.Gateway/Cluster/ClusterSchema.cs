using Commons.Metering.Gateway.Storage;

namespace Commons.Metering.Gateway.Cluster;

/// <summary>The cluster's tables in the ledger's PostgreSQL database, migrated by PostgresMigrator under
/// their own row of schema_version (README.md, "Lease rows").</summary>
internal static class ClusterSchema
{
    public const string Name = "cluster";

    public static readonly IReadOnlyList<PostgresMigration> Steps =
    [
        new(1, "instances' heartbeats and one lease row per community", """
            CREATE TABLE cluster_instances(
                instance TEXT PRIMARY KEY,
                url TEXT NOT NULL,
                started_at TIMESTAMPTZ NOT NULL DEFAULT now(),
                seen_at TIMESTAMPTZ NOT NULL DEFAULT now());
            CREATE TABLE cluster_leases(
                community TEXT PRIMARY KEY,
                holder TEXT,
                epoch BIGINT NOT NULL DEFAULT 0,
                expires_at TIMESTAMPTZ NOT NULL DEFAULT '-infinity',
                taken_at TIMESTAMPTZ);
            """),
    ];
}
