using Commons.Metering.Gateway.Domain;
namespace Commons.Metering.Gateway.Sinks;

internal readonly record struct OutboxRow(long Id, string Line);

/// <summary>Outbox rows read for one write: <see cref="Count"/> rows after the cursor up to and
/// including <see cref="LastId"/>, their lines as one UTF-8 request body, '\n' between lines
/// (line protocol lines hold no raw newline).</summary>
internal sealed record OutboxBatch(long LastId, int Count, byte[] Body)
{
    public static readonly OutboxBatch Empty = new(0, 0, []);
}

internal readonly record struct DeadLetter(long OutboxId, string Line, string Error);

/// <summary>The sinks' storage seam: the durable outbox the ledger fills in its own transaction
/// (ILedgerTransaction.AppendOutbox), each sink's cursor, the dead letters. Ids are handed out in commit
/// order and never reused. SQLite today (Sqlite/SqliteSinkOutbox.cs); another database implements this
/// interface. Failures of the store itself surface as <see cref="System.Data.Common.DbException"/>,
/// which the drains count as their own, not the sink's.</summary>
internal interface ISinkOutbox
{
    /// <summary>Where the outbox lives, for the start-up log.</summary>
    string Location { get; }

    /// <summary>The sink's stored cursor: the last id it delivered (0 before its first delivery).</summary>
    long ReadCursor(string sink);

    /// <summary>Up to <paramref name="limit"/> rows after <paramref name="lastId"/>, in id order, as one body.</summary>
    OutboxBatch ReadBatchAfter(long lastId, int limit);

    /// <summary>The rows with ids in (<paramref name="afterId"/>, <paramref name="upToId"/>], one by one.</summary>
    IReadOnlyList<OutboxRow> ReadRange(long afterId, long upToId);

    /// <summary>Highest outbox id ever handed out (0 for an empty, never-used outbox).</summary>
    long MaxId();

    /// <summary>Moves the sink's cursor to <paramref name="lastId"/> (never backwards), stores its dead
    /// letters and deletes the rows every sink of <paramref name="sinks"/> has delivered. Returns the rows deleted.</summary>
    long Commit(string sink, long lastId, IReadOnlyList<DeadLetter> deadLetters, long nowMs, IReadOnlyCollection<string> sinks);

    /// <summary>For a gateway with no sink configured: deletes every row present now.</summary>
    long PruneAll();

    /// <summary>Queues again the lines of every ledger reading channel with device time in
    /// [<paramref name="fromMs"/>, <paramref name="toMs"/>) (rebuilding InfluxDB), each tagged with the
    /// household <paramref name="households"/> lists its meter under, as live lines are; returns how many.</summary>
    long RequeueFromLedger(long fromMs, long toMs, IMeterHouseholds? households, CancellationToken cancel);
}
