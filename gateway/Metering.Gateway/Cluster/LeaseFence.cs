using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Postgres;
using Npgsql;

namespace Commons.Metering.Gateway.Cluster;

/// <summary>The ledger fence of a cluster instance (Ledger/ILedgerFence.cs): inside the ledger's own
/// transaction it locks the lease rows of the transaction's communities FOR SHARE and compares holder
/// and epoch with what this instance took. A takeover's UPDATE of the row waits for that transaction,
/// so either the transaction commits first (and the new owner reads its rows) or it sees the new epoch
/// and is refused: an instance that paused past its lease never commits for a community another owns.
/// The same statement bounds how long the transaction may then sit idle (a process stopped between
/// this check and its COMMIT): PostgreSQL ends that session after one renewal period, and the takeover
/// proceeds.</summary>
internal sealed class LeaseFence(HeldLeases held, string instance, int renewSeconds) : ILedgerFence
{
    public void Check(ILedgerTransaction tx, IReadOnlyCollection<string> communities)
    {
        if (communities.Count == 0) return;
        var pg = tx as PostgresLedgerTransaction
            ?? throw new InvalidOperationException("the cluster's lease fence needs the PostgreSQL ledger (Metering:Storage:Provider Postgres)");
        if (!pg.StateCurrent)
            throw new LedgerFencedException("a community's lease came back to this instance while the transaction ran: its meters' state is read again first; not committed");
        var mine = held.Snapshot;
        foreach (var c in communities)
            if (!mine.ContainsKey(c))
                throw new LedgerFencedException($"community '{c}' is not owned by instance '{instance}': not committed, its owner receives it again");
        using var cmd = new NpgsqlCommand("""
            SELECT l.community, l.holder, l.epoch
            FROM cluster_leases l, set_config('idle_in_transaction_session_timeout', $2, true)
            WHERE l.community = ANY($1) FOR SHARE OF l
            """, pg.Connection, pg.Transaction);
        cmd.Parameters.Add(new NpgsqlParameter { Value = communities.ToArray() });
        cmd.Parameters.Add(new NpgsqlParameter { Value = (renewSeconds * 1000).ToString(System.Globalization.CultureInfo.InvariantCulture) });
        var seen = 0;
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            seen++;
            var community = r.GetString(0);
            var holder = r.IsDBNull(1) ? null : r.GetString(1);
            var epoch = r.GetInt64(2);
            if (holder != instance || !mine.TryGetValue(community, out var mineEpoch) || mineEpoch != epoch)
                throw new LedgerFencedException($"community '{community}' is held by '{holder ?? "nobody"}' at epoch {epoch}, not by instance '{instance}' " +
                    $"at epoch {(mine.TryGetValue(community, out var e) ? e : 0)}: not committed, its owner receives it again");
        }
        if (seen != communities.Count)
            throw new LedgerFencedException($"a community of [{string.Join(", ", communities)}] has no lease row (not in Metering:Cluster:Communities): not committed");
    }
}
