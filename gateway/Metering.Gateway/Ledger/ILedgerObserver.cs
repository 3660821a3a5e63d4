namespace Commons.Metering.Gateway.Ledger;

/// <summary>Told of every write the ledger committed, in commit order, once (never for a duplicate
/// or a rolled-back write). Called on the single writer's thread right after the commit: an
/// observer must only hand the write on (e.g. to its own bounded queue) and return, never block or
/// throw; a slow observer would slow every acknowledgement.</summary>
public interface ILedgerObserver
{
    void Committed(LedgerWrite write, LedgerOutcome outcome);
}
