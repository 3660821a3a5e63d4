using System.Diagnostics;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The lifecycle of every command (PolicyRuntime/README.md, "Command lifecycle"): persisted before it
/// is sent, retried with the same cid and a doubling wait until acked, confirmed by the readings, escalated
/// or expired otherwise; a newer command for the same key supersedes it. Each device has at most
/// <see cref="DeviceWindow"/> commands outstanding (README "Per-device window"). Not thread-safe: the runtime
/// calls it under its lock. <paramref name="changed"/> is told of every state change, <paramref name="tripLatency"/>
/// of each command caused by a reading when it first reaches the broker.</summary>
internal sealed partial class CommandBook(ICommonsStore db, CommonsOptions options, TimeProvider time, Action<CommandRecord> changed,
    Action<TimeSpan>? tripLatency = null)
{
    private readonly Dictionary<string, CommandRecord> _open = new(StringComparer.Ordinal);
    private readonly Dictionary<string, CommandRecord> _latest = new(StringComparer.Ordinal);
    private readonly Dictionary<string, long> _confirmBaseline = new(StringComparer.Ordinal);
    // Acked cuts awaiting confirmation, by "meter/channel": every reading looks here, so it is indexed.
    private readonly Dictionary<string, CommandRecord> _confirming = new(StringComparer.Ordinal);
    // Nothing is due before this (Unix ms): Due() returns at once until then. MinValue = recompute.
    private long _dueAt = long.MinValue;
    private readonly LatencyRecorder _latency = new();
    private long _counter;

    public LatencyRecorder TripLatency => _latency;

    public int OpenCount => _open.Count;

    /// <summary>At start: unfinished commands come back (Pending/Sent are resent when due, with the same cid).</summary>
    public void Load()
    {
        _counter = long.Parse(db.Get("cid_counter") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
        foreach (var r in db.LoadLive())
        {
            _latest[r.Key] = r;
            if (r.IsFinal) continue;
            _open[r.Cid] = r;
            Track(null, r);
            if (r.State == CommandState.Acked && r.Cut && r.Wire.Channel is { } ch) _confirming[r.Meter + "/" + ch] = r;
        }
    }

    /// <summary>The value last commanded for a key, or null when none was ever sent.</summary>
    public CommandRecord? Latest(string key) => _latest.GetValueOrDefault(key);

    /// <summary>Makes the device's state for <paramref name="key"/> what <paramref name="wire"/> sets (cid and
    /// expiry are filled in here). No-op when that is already the newest command (and it did not expire).
    /// <paramref name="defaultValue"/> is what the device does with no command at all.</summary>
    public CommandRecord? Desire(string meter, string key, Command wire, bool cut, string why, string defaultValue, long? causeTimestamp = null)
    {
        var value = new CommandRecord(wire, meter, key, cut, why, 0, CommandState.Pending, 0, 0).Value;
        var latest = Latest(key);
        if (latest is null && value == defaultValue) return null;
        if (latest is not null && latest.Value == value && latest.State != CommandState.Expired) return null;
        if (latest is not null && !latest.IsFinal) Update(latest with { State = CommandState.Superseded }, "superseded by a newer command");
        return Issue(wire, meter, key, cut, why, causeTimestamp);
    }

    /// <summary>The commands to hand to the broker now, most urgent first; expires and escalates what is
    /// overdue. A device gets a new command only while its window has room (<see cref="DeviceWindow"/>;
    /// resends of its outstanding ones are in the window already).</summary>
    public IReadOnlyList<CommandRecord> Due()
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (now < _dueAt) return [];
        foreach (var (cid, (meter, until)) in _superseded.ToList())
            if (now >= until && _superseded.Remove(cid)) Free(meter);
        var due = new List<CommandRecord>();
        var waiting = new List<CommandRecord>();
        foreach (var r in _open.Values.ToList())
        {
            if (r.State is CommandState.Pending or CommandState.Sent && now > r.Wire.ExpMs)
                Update(r with { State = CommandState.Expired }, "expired before the device accepted it");
            else if (r.State == CommandState.Acked && now >= r.AckedMs + options.ConfirmWindowSeconds * 1000L)
                Update(r with { State = CommandState.Escalated }, $"acked but the readings did not confirm it within {options.ConfirmWindowSeconds} s");
            else if (r.State is CommandState.Pending or CommandState.Sent && now >= r.NextAttemptMs)
            {
                if (r.Attempts >= options.MaxAttempts) Update(r with { State = CommandState.Escalated }, $"no ack after {r.Attempts} attempts");
                else if (r.State == CommandState.Sent) due.Add(r);
                else waiting.Add(r);
            }
        }
        var taken = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var r in waiting.OrderBy(r => r.Priority).ThenBy(r => r.Sequence))
        {
            var n = taken.GetValueOrDefault(r.Meter);
            if (Outstanding(r.Meter) + n >= Window(r)) continue;
            taken[r.Meter] = n + 1;
            due.Add(r);
        }
        due.Sort((a, b) => a.Priority != b.Priority ? a.Priority.CompareTo(b.Priority) : a.Sequence.CompareTo(b.Sequence));
        // Those handed out now get their next time in Attempted; until then nothing else is due.
        _dueAt = due.Count > 0 ? long.MinValue : NextDueMs() ?? long.MaxValue;
        return due;
    }

    /// <summary>After a publish attempt: the next attempt waits AckTimeout x 2^(attempts-1).</summary>
    /// <param name="handedAt">Stopwatch timestamp of the hand-over (the trip latency ends there).</param>
    public void Attempted(CommandRecord r, bool handedToBroker, long? handedAt = null)
    {
        if (!_open.TryGetValue(r.Cid, out var current) || current.IsFinal) return;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var attempts = current.Attempts + 1;
        var wait = options.AckTimeoutSeconds * 1000L << Math.Min(attempts - 1, 20);
        if (handedToBroker && attempts == 1 && current.CauseTimestamp is { } cause)
        {
            var latency = Stopwatch.GetElapsedTime(cause, handedAt ?? Stopwatch.GetTimestamp());
            _latency.Add(latency);
            tripLatency?.Invoke(latency);
        }
        var state = handedToBroker && current.State == CommandState.Pending ? CommandState.Sent : current.State;
        Update(current with { State = state, Attempts = attempts, NextAttemptMs = now + wait, SentMs = handedToBroker ? now : current.SentMs },
            handedToBroker ? null : "the broker did not take it");
    }

    /// <summary>A device (re)connected: what it has not acknowledged goes out again now, not after the
    /// backoff (a downlink published while it was offline may never have reached it).</summary>
    public void DeviceOnline(string meter)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var r in _open.Values.ToList())
            if (r.Meter == meter && r.State is CommandState.Pending or CommandState.Sent && r.NextAttemptMs > now)
                Update(r with { NextAttemptMs = now }, null);
        // What escalated or expired while it was away is still the state it should have: issued anew.
        foreach (var r in _latest.Values.Where(r => r.Meter == meter && r.State is CommandState.Escalated or CommandState.Expired).ToList())
            Reissue(r, "reissued: the device is back online");
    }

    private void Reissue(CommandRecord r, string why) => Issue(r.Wire, r.Meter, r.Key, r.Cut, why, null);

    /// <summary>A new command: next cid (counter persisted with it), expiry from now, due at once.</summary>
    private CommandRecord Issue(Command wire, string meter, string key, bool cut, string why, long? causeTimestamp)
    {
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        _counter++;
        db.Set("cid_counter", _counter.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var record = new CommandRecord(wire with { Cid = "g" + _counter.ToString(System.Globalization.CultureInfo.InvariantCulture), ExpMs = now + options.CommandExpirySeconds * 1000L },
            meter, key, cut, why, now, CommandState.Pending, 0, now, CauseTimestamp: causeTimestamp);
        _latest[key] = record;
        Update(record, null);
        return record;
    }

    public void Acked(string meter, CommandAck ack)
    {
        if (_superseded.TryGetValue(ack.CommandId, out var lingering) && lingering.Meter == meter && _superseded.Remove(ack.CommandId))
            Free(meter);
        if (!_open.TryGetValue(ack.CommandId, out var r))
        {
            // A late ack of the newest command of its key that was escalated: the device did act after all.
            var late = _latest.Values.FirstOrDefault(l => l.Cid == ack.CommandId && l.Meter == meter && l.State == CommandState.Escalated);
            if (late is null || !ack.Ok) return;
            r = late with { Why = late.Why + "; acknowledged late" };
        }
        if (r.Meter != meter) return;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        if (ack.Ok) Update(r with { State = CommandState.Acked, AckedMs = now }, null);
        else Update(r with { State = ack.Error == "expired" ? CommandState.Expired : CommandState.Refused, AckedMs = now, AckError = ack.Error }, "refused: " + ack.Error);
    }

    /// <summary>A cut is confirmed by two readings after its ack that show the channel's register no longer rising.</summary>
    public void Reading(string meter, string channel, long register)
    {
        if (_confirming.Count == 0 || !_confirming.TryGetValue(meter + "/" + channel, out var r)) return;
        if (_confirmBaseline.TryGetValue(r.Cid, out var baseline) && register == baseline)
            Update(r with { State = CommandState.Confirmed, ConfirmedMs = time.GetUtcNow().ToUnixTimeMilliseconds() }, null);
        else _confirmBaseline[r.Cid] = register;
    }

    /// <summary>When <see cref="Due"/> next has work, null when nothing is open.</summary>
    public long? NextDueMs()
    {
        long? next = null;
        foreach (var r in _open.Values)
        {
            // One waiting for room in its device's window is due when a slot frees (Track resets _dueAt) or it expires.
            var at = r.State == CommandState.Acked ? r.AckedMs!.Value + options.ConfirmWindowSeconds * 1000L
                : r.State == CommandState.Pending && Outstanding(r.Meter) >= Window(r) ? r.Wire.ExpMs + 1
                : Math.Min(r.NextAttemptMs, r.Wire.ExpMs + 1);
            next = next is null ? at : Math.Min(next.Value, at);
        }
        foreach (var (_, until) in _superseded.Values) next = next is null ? until : Math.Min(next.Value, until);
        return next;
    }

    private void Update(CommandRecord r, string? note)
    {
        // A final state keeps its reason in Why (the dashboard shows why a command ended so).
        if (note is not null && r.IsFinal) r = r with { Why = r.Why + "; " + note };
        db.Upsert(r);
        Track(_open.GetValueOrDefault(r.Cid), r);
        if (r.IsFinal) { _open.Remove(r.Cid); _confirmBaseline.Remove(r.Cid); }
        else
        {
            _open[r.Cid] = r;
            _dueAt = Math.Min(_dueAt, r.State == CommandState.Acked ? r.AckedMs!.Value + options.ConfirmWindowSeconds * 1000L : Math.Min(r.NextAttemptMs, r.Wire.ExpMs + 1));
        }
        if (r.Cut && r.Wire.Channel is { } ch)
        {
            var key = r.Meter + "/" + ch;
            if (r.State == CommandState.Acked) _confirming[key] = r;
            else if (_confirming.TryGetValue(key, out var c) && c.Cid == r.Cid) _confirming.Remove(key);
        }
        if (_latest.TryGetValue(r.Key, out var l) && l.Cid == r.Cid) _latest[r.Key] = r;
        changed(r);
    }
}
