namespace Commons.Metering.Gateway.Policy;

public enum BreakerScope { Channel, Zone, Resource }

public enum BreakerState { Closed, Open, HalfOpen }

/// <param name="OpenCooldown">Time open before the first half-open probe; doubles with each re-trip
/// before the breaker has been closed for <paramref name="StableAfter"/> (hysteresis against
/// flapping), up to <paramref name="MaxCooldown"/>.</param>
/// <param name="ProbesToClose">Consecutive good probes needed in half-open; any bad one re-opens.</param>
public sealed record BreakerOptions(TimeSpan OpenCooldown, int ProbesToClose, TimeSpan MaxCooldown, TimeSpan StableAfter)
{
    /// <summary>5 min cool-down, 3 probes (one flaky probe cannot close it), at most 4 h open between
    /// probes, 1 h closed before past trips are forgiven: conservative starting values for water and
    /// small feeders, to be tuned per community.</summary>
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

    public CircuitBreaker(string id, BreakerScope scope, BreakerOptions options, TimeProvider time, IAuditSink audit)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(options.ProbesToClose, 1);
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

    /// <summary>After a gateway restart: puts back an open breaker as it was persisted, without auditing a
    /// new transition (the original one is in the log already). A technician lock stays until a reset.</summary>
    public void Restore(string? reason, SafetyReason? safety, bool needsTechnician, DateTimeOffset since)
    {
        (Reason, Safety, NeedsTechnician, _since) = (reason, safety, needsTechnician, since);
        _state = BreakerState.Open;
        _recentTrips = Math.Max(1, _recentTrips);
        _openUntil = since + _options.OpenCooldown;
        _goodProbes = 0;
    }

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

    /// <summary>The result of one probe (a short test of flow or load) while half-open.</summary>
    public void RecordProbe(bool good)
    {
        Advance();
        if (_state != BreakerState.HalfOpen) return;
        if (!good)
        {
            _recentTrips++;
            Open(_time.GetUtcNow(), "probe", "probe failed");
            return;
        }
        if (++_goodProbes < _options.ProbesToClose) return;
        _state = BreakerState.Closed;
        _closedSince = _since = _time.GetUtcNow();
        Emit("probe", AuditRoles.System, "breaker.closed", $"{_goodProbes} consecutive good probes");
        (Reason, Safety) = (null, null);
    }

    /// <summary>A manual reset after repair: technicians only (DESIGN.md rule 5). Refusals are audited.</summary>
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
        _goodProbes = 0;
        Emit(actor, AuditRoles.System, "breaker.opened", reason, cooldown);
    }

    private void Advance()
    {
        if (_state != BreakerState.Open || NeedsTechnician || _time.GetUtcNow() < _openUntil) return;
        _state = BreakerState.HalfOpen;
        _since = _openUntil;
        _goodProbes = 0;
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
