using System.Collections.Concurrent;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;

namespace Commons.Metering.Gateway.Ingest.Confirmations;

/// <summary>One confirmation ready to go: the topic, the encoded payload and how many sequence
/// numbers its ranges cover.</summary>
internal sealed record Confirmation(string Meter, string Topic, byte[] Payload, long Seqs);

/// <summary>What the gateway owes each confirming meter (docs/protocol.md, "confirmation").
///
/// Remembers per meter whether its newest online status said "confirm":1 or 2 (the bare offline
/// will changes nothing). Collects, per confirming meter, the sequence numbers the gateway is done with:
/// those each ledger batch committed or found duplicate (<see cref="BatchCommitted"/>, on the
/// writer's thread) and those refused for good (<see cref="Refused"/>, every rejection but
/// rate_limited). <see cref="TakeDue"/> turns them into one message per meter (more when they make
/// more than 16 ranges) for the <see cref="ConfirmationSender"/>; since each batch wakes the sender
/// once, a meter gets at most one message per batch. A paced meter's numbers wait until its
/// release time (<see cref="Hold"/>). Kept in memory only: a device announces itself again in the
/// status it publishes at every connect (and the broker hands the gateway the retained one when it
/// subscribes), and until then its uplinks go unconfirmed and are sent again, which is harmless.</summary>
internal sealed class ConfirmationHub(TimeProvider time) : ILedgerBatchObserver
{
    /// <summary>Our bound, as MeterRateLimiter.MaxTracked: ids announced by a flooder cannot grow memory without end.</summary>
    public const int MaxTracked = 200_000;

    private readonly ConcurrentDictionary<string, MeterState> _meters = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Guarded by _gate: meters with something to send (or held back).</summary>
    private readonly HashSet<MeterState> _dirty = [];
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>True when the meter's newest online status announced confirmations ("confirm" 1 or 2).</summary>
    public bool Confirms(string meter) => _meters.TryGetValue(meter, out var m) && m.Confirming;

    /// <summary>True when the meter's newest online status said it waits for confirmations ("confirm":2):
    /// only then may its PUBACK go out before the commit. A device at 1 still trusts the PUBACK.</summary>
    public bool WaitsForConfirmation(string meter) => _meters.TryGetValue(meter, out var m) && m.Confirming && m.Waits;

    public int Tracked => _meters.Count;

    /// <summary>A decoded status of <paramref name="community"/>/<paramref name="meter"/>. An online one
    /// sets whether the meter confirms and whether it waits for confirmations, and owes the meter an
    /// empty confirmation at once (a device at 1 learns from it that this gateway confirms).</summary>
    public void StatusSeen(string community, string meter, DeviceStatus status)
    {
        if (status.State != "online") return;
        if (!status.AnnouncesConfirmation)
        {
            if (_meters.TryGetValue(meter, out var old))
                lock (_gate)
                {
                    old.Confirming = false;
                    old.Waits = false;
                    old.Pending.Clear();
                    old.Hello = false;
                    _dirty.Remove(old);
                }
            return;
        }
        if (!_meters.TryGetValue(meter, out var m))
        {
            if (_meters.Count >= MaxTracked) return;
            m = _meters.GetOrAdd(meter, id => new MeterState(id, community));
        }
        lock (_gate)
        {
            m.Community = community;
            m.Confirming = true;
            m.Waits = status.WaitsForConfirmation;
            m.Hello = true;
            _dirty.Add(m);
            _wake.TrySetResult();
        }
    }

    /// <summary>The meter is over its rate: its confirmations wait until <paramref name="until"/>.</summary>
    public void Hold(string meter, DateTimeOffset until)
    {
        if (!_meters.TryGetValue(meter, out var m)) return;
        lock (_gate)
            if (until > m.HeldUntil) m.HeldUntil = until;
    }

    /// <summary>An uplink of the meter refused for good (not rate_limited), whose seq could be read.</summary>
    public void Refused(string meter, long seq)
    {
        if (seq < 1 || !_meters.TryGetValue(meter, out var m) || !m.Confirming) return;
        lock (_gate)
        {
            m.Pending.Add(seq);
            _dirty.Add(m);
            _wake.TrySetResult();
        }
    }

    public void BatchCommitted(IReadOnlyList<LedgerDone> done)
    {
        var any = false;
        lock (_gate)
        {
            foreach (var (write, outcome) in done)
            {
                if (outcome.Status is not (LedgerStatus.Committed or LedgerStatus.Duplicate)) continue;
                var seq = write switch
                {
                    ReadingWrite r => r.Reading.Seq,
                    EventWrite e => e.Event.Seq,
                    GaugeWrite g => g.Gauge.Seq,
                    _ => 0,
                };
                if (seq < 1 || !_meters.TryGetValue(write.Meter, out var m) || !m.Confirming) continue;
                m.Pending.Add(seq);
                _dirty.Add(m);
                any = true;
            }
            if (any) _wake.TrySetResult();
        }
    }

    /// <summary>A task that completes when something is added after this call (the sender arms it
    /// before it takes what is due, so nothing added meanwhile is missed).</summary>
    public Task Arm()
    {
        lock (_gate)
        {
            if (_wake.Task.IsCompleted) _wake = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            return _wake.Task;
        }
    }

    /// <summary>Everything due now, encoded; <paramref name="nextRelease"/> is when the earliest
    /// held-back meter is due (null when none is held).</summary>
    public List<Confirmation> TakeDue(out DateTimeOffset? nextRelease)
    {
        var now = time.GetUtcNow();
        nextRelease = null;
        var due = new List<Confirmation>();
        lock (_gate)
        {
            var done = new List<MeterState>();
            foreach (var m in _dirty)
            {
                var topic = ConfirmationCodec.Topic(m.Community, m.Id);
                if (m.Hello)
                {
                    due.Add(new Confirmation(m.Id, topic, ConfirmationCodec.Encode([]), 0));
                    m.Hello = false;
                }
                if (m.Pending.Count > 0 && m.HeldUntil > now)
                {
                    if (nextRelease is null || m.HeldUntil < nextRelease) nextRelease = m.HeldUntil;
                    continue;
                }
                done.Add(m);
                if (m.Pending.Count == 0) continue;
                m.Pending.Sort();
                var ranges = ConfirmationCodec.Ranges(Distinct(m.Pending));
                m.Pending.Clear();
                for (var i = 0; i < ranges.Count; i += ConfirmationCodec.MaxRanges)
                {
                    var part = ranges.GetRange(i, Math.Min(ConfirmationCodec.MaxRanges, ranges.Count - i));
                    due.Add(new Confirmation(m.Id, topic, ConfirmationCodec.Encode(part), part.Sum(r => r.Last - r.First + 1)));
                }
            }
            foreach (var m in done) _dirty.Remove(m);
        }
        return due;
    }

    private static List<long> Distinct(List<long> sorted)
    {
        var distinct = new List<long>(sorted.Count);
        foreach (var seq in sorted)
            if (distinct.Count == 0 || distinct[^1] != seq) distinct.Add(seq);
        return distinct;
    }

    /// <summary>Reference identity in _dirty; fields guarded by the hub's _gate, Confirming also read without it.</summary>
    private sealed class MeterState(string id, string community)
    {
        public string Id { get; } = id;
        public string Community { get; set; } = community;
        public volatile bool Confirming;
        public volatile bool Waits;
        public bool Hello;
        public DateTimeOffset HeldUntil;
        public List<long> Pending { get; } = [];
    }
}
