namespace Commons.Metering.Gateway.Policy;

public enum BreakerScope { Channel, Zone, Resource }

public enum BreakerState { Closed, Open, HalfOpen }

/// <param name="OpenCooldown">Time open before the first half-open probe; doubles with each re-trip
/// before the breaker has been closed for <paramref name="StableAfter"/> (hysteresis against
/// flapping), up to <paramref name="MaxCooldown"/>.</param>
/// <param name="ProbesToClose">Consecutive good probes needed in half-open (a bad one starts the count again).</param>
/// <param name="BadProbesToReopen">Bad probes in one half-open period that re-open the breaker: with 2, one
/// flaky probe does not re-open it, a second one does.</param>
public sealed record BreakerOptions(TimeSpan OpenCooldown, int ProbesToClose, TimeSpan MaxCooldown, TimeSpan StableAfter, int BadProbesToReopen = 2)
{
    /// <summary>5 min cool-down, 3 probes (one flaky good probe cannot close it), 2 bad probes to re-open
    /// (one flaky bad probe cannot re-open it), at most 4 h open between probes, 1 h closed before past
    /// trips are forgiven: conservative starting values for water and small feeders, to be tuned per community.</summary>
    public static BreakerOptions Default { get; } = new(TimeSpan.FromMinutes(5), 3, TimeSpan.FromHours(4), TimeSpan.FromHours(1));
}

/// <summary>A breaker on a channel, zone or resource: closed, open, half-open. Time-based transitions
/// are applied whenever the breaker is read or used, at the instant they were due. Safety trips may
/// require a technician's reset: then the breaker stays open until one resets it. Every transition and
/// every refused reset goes to the audit log.</summary>
public sealed class CircuitBreaker
{
    private readonly BreakerOptions _options;
    private readonly TimeProvider _time;
    private readonly IAuditSink _audit;
    private BreakerState _state = BreakerState.Closed;
    private DateTimeOffset _openUntil;
    private DateTimeOffset _closedSince;
    private int _recentTrips;
    private int _goodProbes;
    private int _badProbes;

    public CircuitBreaker(string id, BreakerScope scope, BreakerOptions options, TimeProvider time, IAuditSink audit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ProbesToClose, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BadProbesToReopen, 1);
        (Id, Scope, _options, _time, _audit) = (id, scope, options, time, audit);
        _closedSince = time.GetUtcNow();
        _since = _closedSince;
    }

    public string Id { get; }
    public BreakerScope Scope { get; }
    public string? Reason { get; private set; }
    public SafetyReason? Safety { get; private set; }
    public bool NeedsTechnician { get; private set; }

    /// <summary>When the breaker entered its current state.</summary>
    public DateTimeOffset Since { get { Advance(); return _since; } }

    private DateTimeOffset _since;

    /// <summary>After a gateway restart: puts back an open or half-open breaker as it was persisted, without
    /// auditing a new transition (the original one is in the log already). A technician lock stays until a
    /// reset; <paramref name="openUntil"/> and <paramref name="recentTrips"/> keep a doubled cool-down
    /// (older state files have neither: one plain cool-down from <paramref name="since"/>). Probes counted
    /// before the restart are not kept: a half-open breaker needs its full run of good probes again.</summary>
    public void Restore(string? reason, SafetyReason? safety, bool needsTechnician, DateTimeOffset since,
        BreakerState state = BreakerState.Open, DateTimeOffset? openUntil = null, int? recentTrips = null)
    {
        if (state == BreakerState.Closed) return;
        (Reason, Safety, NeedsTechnician, _since) = (reason, safety, needsTechnician, since);
        _state = state;
        _recentTrips = Math.Max(1, recentTrips ?? _recentTrips);
        _openUntil = openUntil ?? since + _options.OpenCooldown;
        (_goodProbes, _badProbes) = (0, 0);
    }

    /// <summary>When an open breaker goes half-open (persisted with it).</summary>
    internal DateTimeOffset OpenUntil => _openUntil;

    /// <summary>Trips not yet forgiven: each doubles the cool-down (persisted with it).</summary>
    internal int RecentTrips => _recentTrips;

    public BreakerState State { get { Advance(); return _state; } }

    /// <summary>When the next probe is due (open, without a technician lock), else null.</summary>
    public DateTimeOffset? ProbeDueAt { get { Advance(); return _state == BreakerState.Open && !NeedsTechnician ? _openUntil : null; } }

    public void Trip(string reason, SafetyReason? safety = null, bool requiresTechnician = false, string actor = "detector")
    {
        Advance();
        if (_state == BreakerState.Open)
        {
            // Already open: a later safety trip can only make it stricter.
            if (requiresTechnician && !NeedsTechnician) { NeedsTechnician = true; Safety ??= safety; Emit(actor, AuditRoles.System, "breaker.locked", reason); }
            return;
        }
        var now = _time.GetUtcNow();
        if (_state == BreakerState.Closed && now - _closedSince >= _options.StableAfter) _recentTrips = 0;
        _recentTrips++;
        (Reason, Safety, NeedsTechnician) = (reason, safety, requiresTechnician);
        Open(now, actor, reason);
    }

    /// <summary>The result of one probe (a short test of flow or load) while half-open. A bad probe starts
    /// the run of good ones again; <see cref="BreakerOptions.BadProbesToReopen"/> bad ones re-open it.</summary>
    public void RecordProbe(bool good, string? detail = null)
    {
        Advance();
        if (_state != BreakerState.HalfOpen) return;
        if (!good)
        {
            _goodProbes = 0;
            if (++_badProbes < _options.BadProbesToReopen) return;
            _recentTrips++;
            Open(_time.GetUtcNow(), "probe", $"{_badProbes} bad probes" + (detail is null ? "" : ": " + detail));
            return;
        }
        if (++_goodProbes < _options.ProbesToClose) return;
        _state = BreakerState.Closed;
        _closedSince = _since = _time.GetUtcNow();
        Emit("probe", AuditRoles.System, "breaker.closed", $"{_goodProbes} consecutive good probes");
        (Reason, Safety) = (null, null);
    }

    /// <summary>A manual reset after repair: technicians only (docs/design.md rule 5). Refusals are audited.</summary>
    public bool Reset(string actor, string role)
    {
        Advance();
        if (role != AuditRoles.Technician)
        {
            Emit(actor, role, "breaker.reset.refused", $"role '{role}' may not reset a breaker; a technician must");
            return false;
        }
        if (_state == BreakerState.Closed) return true;
        _state = BreakerState.Closed;
        _closedSince = _since = _time.GetUtcNow();
        (NeedsTechnician, Reason, Safety, _recentTrips) = (false, null, null, 0);
        Emit(actor, role, "breaker.reset", "reset by technician");
        return true;
    }

    private void Open(DateTimeOffset now, string actor, string reason)
    {
        var factor = 1L << Math.Min(_recentTrips - 1, 30);
        var cooldown = TimeSpan.FromTicks(Math.Min(_options.MaxCooldown.Ticks, _options.OpenCooldown.Ticks * factor));
        _state = BreakerState.Open;
        _since = now;
        _openUntil = now + cooldown;
        (_goodProbes, _badProbes) = (0, 0);
        Emit(actor, AuditRoles.System, "breaker.opened", reason, cooldown);
    }

    private void Advance()
    {
        if (_state != BreakerState.Open || NeedsTechnician || _time.GetUtcNow() < _openUntil) return;
        _state = BreakerState.HalfOpen;
        _since = _openUntil;
        (_goodProbes, _badProbes) = (0, 0);
        Emit("breaker", AuditRoles.System, "breaker.half_open", "cool-down over", at: _openUntil);
    }

    private void Emit(string actor, string role, string kind, string reason, TimeSpan? cooldown = null, DateTimeOffset? at = null) =>
        _audit.Append(actor, role, kind, new
        {
            breaker = Id, scope = Scope.ToString().ToLowerInvariant(), state = _state.ToString().ToLowerInvariant(), reason,
            safety = Safety?.ToString().ToLowerInvariant(), technician = NeedsTechnician,
            cooldown_s = cooldown?.TotalSeconds, at = at?.ToString("O"),
        });
}
