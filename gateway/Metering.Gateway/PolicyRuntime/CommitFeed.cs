using System.Diagnostics;
using System.Threading.Channels;
using Commons.Metering.Gateway.Ledger;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>A committed ledger write with the moment of its commit (Stopwatch ticks, for the trip latency)
/// and what the ledger made of it (a reading's uncounted and rebased channels).</summary>
internal sealed record Committed(LedgerWrite Write, long CommittedTimestamp, LedgerOutcome? Outcome = null);

/// <summary>The ledger observer: hands every committed write to a bounded queue the runtime loop reads.
/// Never blocks the ledger writer: when the queue is full the write is not evaluated and counted in
/// <see cref="Dropped"/>. A separate object from the runtime, so the ledger does not depend on the
/// broker through it (the runtime needs the downlink publisher, which needs the ledger).</summary>
internal sealed class CommitFeed(CommonsOptions options) : ILedgerObserver
{
    private readonly Channel<Committed> _queue = Channel.CreateBounded<Committed>(
        new BoundedChannelOptions(options.QueueCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private long _dropped;

    public ChannelReader<Committed> Reader => _queue.Reader;

    public long Dropped => Interlocked.Read(ref _dropped);

    public void Committed(LedgerWrite write, LedgerOutcome outcome)
    {
        if (outcome.Status != LedgerStatus.Committed) return;
        if (write is not (ReadingWrite or AckWrite or StatusWrite or EventWrite or GaugeWrite or HeldDecisionWrite)) return;
        if (!_queue.Writer.TryWrite(new Committed(write, Stopwatch.GetTimestamp(), outcome))) Interlocked.Increment(ref _dropped);
    }
}
