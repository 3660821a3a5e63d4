using System.Collections.Concurrent;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;

namespace Commons.Metering.Gateway.Actuation;

/// <summary>Lets a request wait for a device's ack of a command it sent itself (the commission ping,
/// Http/CommissionApi.cs). Told of every committed ack (an <see cref="ILedgerObserver"/>), it completes
/// the waiter registered for (meter, cid) and ignores every other ack, so it needs no policy runtime
/// and does not touch the commons runtime's CommandBook, which tracks only its own cids and ignores
/// these (CommandBook.Acked).</summary>
public sealed class AckWaiters : ILedgerObserver
{
    /// <summary>Requests waiting at once: each holds an HTTP request for at most a minute; beyond this
    /// many something is looping, and it is refused rather than growing without bound.</summary>
    public const int MaxWaiting = 256;

    private readonly ConcurrentDictionary<(string Meter, string Cid), TaskCompletionSource<CommandAck>> _waiting = new();

    public int Waiting => _waiting.Count;

    /// <summary>Registers a waiter BEFORE the command is published (an ack may beat the publish's
    /// return); null when <see cref="MaxWaiting"/> are waiting already. Dispose it when done.</summary>
    public Waiter? Expect(string meter, string cid)
    {
        if (_waiting.Count >= MaxWaiting) return null;
        // Continuations run off the ledger writer's thread: the observer must never block it.
        var done = new TaskCompletionSource<CommandAck>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_waiting.TryAdd((meter, cid), done)) throw new InvalidOperationException($"already waiting for {meter}/{cid}");
        return new Waiter(this, (meter, cid), done.Task);
    }

    public void Committed(LedgerWrite write, LedgerOutcome outcome)
    {
        if (write is AckWrite a && _waiting.TryGetValue((a.Meter, a.Ack.CommandId), out var done)) done.TrySetResult(a.Ack);
    }

    public sealed class Waiter : IDisposable
    {
        private readonly AckWaiters _owner;
        private readonly (string, string) _key;

        internal Waiter(AckWaiters owner, (string, string) key, Task<CommandAck> ack)
        {
            _owner = owner;
            _key = key;
            Ack = ack;
        }

        /// <summary>Completes with the first committed ack of the cid (a resent command may be acked again).</summary>
        public Task<CommandAck> Ack { get; }

        public void Dispose() => _owner._waiting.TryRemove(_key, out _);
    }
}
