using Commons.Metering.Gateway.Storage;
using Npgsql;

namespace Commons.Metering.Gateway.Cluster;

/// <summary>One community's lease row as the API shows it.</summary>
public sealed record LeaseRow(string Community, string? Holder, long Epoch, DateTimeOffset ExpiresAt, string? HolderUrl, bool HolderLive);

/// <summary>The lease rows and heartbeats in PostgreSQL (README.md, "Lease rows"). Every expiry is the
/// database's clock (now()), one clock for all instances, so machines whose clocks drift apart still
/// agree on who holds what; an instance's own deadline to give a lease up is its monotonic clock, measured
/// from before the renewal it sent (<see cref="LeaseKeeper"/>).</summary>
internal sealed class LeaseTable(NpgsqlDataSource source, string instance, int leaseSeconds)
{
    /// <summary>A take or renewal waits at most this long for a row a ledger transaction holds FOR SHARE
    /// (a commit takes milliseconds); then the round moves on and tries again at the next one.</summary>
    internal const int LockTimeoutMs = 1_000;

    public string Instance => instance;

    /// <summary>The schema, and a row for every community the cluster serves (a new one starts free).</summary>
    public void Open(IReadOnlyList<string> communities)
    {
        using var c = source.OpenConnection();
        PostgresMigrator.Migrate(c, ClusterSchema.Name, ClusterSchema.Steps);
        using var cmd = new NpgsqlCommand("INSERT INTO cluster_leases(community) SELECT unnest($1::text[]) ON CONFLICT DO NOTHING", c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = communities.ToArray() });
        cmd.ExecuteNonQuery();
    }

    /// <summary>This instance is alive; returns how many instances are (a heartbeat within one lease).</summary>
    public async Task<int> BeatAsync(string url, CancellationToken ct)
    {
        await using var c = await source.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO cluster_instances(instance, url) VALUES ($1, $2)
            ON CONFLICT (instance) DO UPDATE SET url = excluded.url, seen_at = now()
            """, c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = instance });
        cmd.Parameters.Add(new NpgsqlParameter { Value = url });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await using var live = new NpgsqlCommand("SELECT count(*) FROM cluster_instances WHERE seen_at > now() - make_interval(secs => $1)", c);
        live.Parameters.Add(new NpgsqlParameter { Value = (double)leaseSeconds });
        return (int)(long)(await live.ExecuteScalarAsync(ct).ConfigureAwait(false))!;
    }

    /// <summary>Takes the community's lease when it is free or expired: the epoch it now holds, or null.</summary>
    public Task<long?> TryTakeAsync(string community, CancellationToken ct) => EpochAsync("""
        UPDATE cluster_leases SET holder = $1, epoch = epoch + 1, expires_at = now() + make_interval(secs => $3), taken_at = now()
        WHERE community = $2 AND (holder IS NULL OR expires_at <= now()) RETURNING epoch
        """, community, null, ct);

    /// <summary>Extends a lease this instance holds at <paramref name="epoch"/>: false when it is no
    /// longer its own (expired and taken, or released).</summary>
    public async Task<bool> RenewAsync(string community, long epoch, CancellationToken ct) => await EpochAsync("""
        UPDATE cluster_leases SET expires_at = now() + make_interval(secs => $3)
        WHERE community = $2 AND holder = $1 AND epoch = $4 AND expires_at > now() RETURNING epoch
        """, community, epoch, ct).ConfigureAwait(false) is not null;

    /// <summary>Gives a lease back at once (a graceful stop, or more than this instance's share).</summary>
    public Task ReleaseAsync(string community, long epoch, CancellationToken ct) => EpochAsync("""
        UPDATE cluster_leases SET holder = NULL, expires_at = now()
        WHERE community = $2 AND holder = $1 AND epoch = $4 RETURNING epoch
        """, community, epoch, ct);

    /// <summary>Leaves the cluster: the heartbeat row goes, so the others' shares grow at once.</summary>
    public async Task LeaveAsync(CancellationToken ct)
    {
        await using var c = await source.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("DELETE FROM cluster_instances WHERE instance = $1", c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = instance });
        await cmd.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
    }

    /// <summary>Every lease row with its holder's advertised URL and whether that holder still beats.</summary>
    public async Task<IReadOnlyList<LeaseRow>> ListAsync(CancellationToken ct)
    {
        await using var c = await source.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand("""
            SELECT l.community, l.holder, l.epoch, l.expires_at, i.url, COALESCE(i.seen_at > now() - make_interval(secs => $1), false),
                   l.holder IS NOT NULL AND l.expires_at > now()
            FROM cluster_leases l LEFT JOIN cluster_instances i ON i.instance = l.holder
            ORDER BY l.community
            """, c);
        cmd.Parameters.Add(new NpgsqlParameter { Value = (double)leaseSeconds });
        var rows = new List<LeaseRow>();
        await using var r = await cmd.ExecuteReaderAsync(ct).ConfigureAwait(false);
        while (await r.ReadAsync(ct).ConfigureAwait(false))
        {
            // An expired lease has no holder any more, whatever its row still names.
            var held = r.GetBoolean(6);
            var expires = r.GetFieldValue<DateTime>(3);
            rows.Add(new LeaseRow(r.GetString(0), held ? r.GetString(1) : null, r.GetInt64(2),
                expires == DateTime.MinValue ? DateTimeOffset.MinValue : new DateTimeOffset(DateTime.SpecifyKind(expires, DateTimeKind.Utc)),
                held && !r.IsDBNull(4) ? r.GetString(4) : null, held && r.GetBoolean(5)));
        }
        return rows;
    }

    private async Task<long?> EpochAsync(string sql, string community, long? epoch, CancellationToken ct)
    {
        await using var c = await source.OpenConnectionAsync(ct).ConfigureAwait(false);
        await using var tx = await c.BeginTransactionAsync(ct).ConfigureAwait(false);
        await using (var timeout = new NpgsqlCommand($"SET LOCAL lock_timeout = {LockTimeoutMs}", c, tx))
            await timeout.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        await using var cmd = new NpgsqlCommand(sql, c, tx);
        cmd.Parameters.Add(new NpgsqlParameter { Value = instance });
        cmd.Parameters.Add(new NpgsqlParameter { Value = community });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (double)leaseSeconds });
        if (epoch is { } e) cmd.Parameters.Add(new NpgsqlParameter { Value = e });
        var result = await cmd.ExecuteScalarAsync(ct).ConfigureAwait(false);
        await tx.CommitAsync(ct).ConfigureAwait(false);
        return result is long l ? l : null;
    }
}
