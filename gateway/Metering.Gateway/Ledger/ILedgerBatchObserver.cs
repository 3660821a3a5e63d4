namespace Commons.Metering.Gateway.Ledger;

/// <summary>One write of a committed batch and what became of it (committed, a duplicate, or for a
/// registration already registered / a conflict).</summary>
public readonly record struct LedgerDone(LedgerWrite Write, LedgerOutcome Outcome);

/// <summary>Told once per committed group-commit batch, after every caller of the batch has its
/// outcome, of each write that the transaction holds or found already held (duplicates included;
/// writes that rolled back alone and failed batches are left out). Called on the single writer's
/// thread: an observer must only take note and return, never block or throw. The end-to-end
/// confirmations (Ingest/Confirmations) send at most one message per meter per batch from it.</summary>
public interface ILedgerBatchObserver
{
    void BatchCommitted(IReadOnlyList<LedgerDone> done);
}
