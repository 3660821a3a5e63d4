namespace Commons.Metering.Gateway.Ledger;

/// <summary>The ledger's check, inside each transaction and before it commits, that this gateway still
/// owns the communities the transaction writes for. With several gateway instances on one database
/// (Cluster/README.md) an instance that paused past its lease must not commit for a community another
/// instance now owns, even before its own renewal loop notices; the check runs in the transaction, so a
/// takeover waits for the transaction or finds it refused. Absent: one gateway owns everything.</summary>
public interface ILedgerFence
{
    /// <summary>Throws <see cref="LedgerFencedException"/> when this gateway does not hold the lease of
    /// every one of <paramref name="communities"/> at the epoch it took it with.</summary>
    void Check(ILedgerTransaction tx, IReadOnlyCollection<string> communities);
}

/// <summary>The transaction writes for a community this gateway does not own (any more): nothing of it
/// commits, the uplinks stay unacknowledged and unconfirmed, and the owner receives them again.</summary>
public sealed class LedgerFencedException(string message) : InvalidOperationException(message);
