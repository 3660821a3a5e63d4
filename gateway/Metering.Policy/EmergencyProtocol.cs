namespace Commons.Metering.Gateway.Policy;

/// <summary>A council member's approval, signed at a time (collected by the dashboard).</summary>
public sealed record Approval(string MemberId, DateTimeOffset SignedAt);

/// <param name="DeclaredBy">"trigger:{id}" or "council".</param>
/// <param name="TermStart">Start of the current term (declaration or last renewal); approvals for a
/// renewal must be signed after it.</param>
public sealed record Emergency(string Reason, string DeclaredBy, DateTimeOffset Start, DateTimeOffset TermStart, DateTimeOffset Sunset, int Renewals);

public sealed record EmergencyResult(bool Accepted, string? Refusal, Emergency? Emergency);

/// <summary>docs/design.md rule 4: an emergency is declared by a trigger or a council quorum (k distinct
/// members of n), ends by itself at its sunset (at most the policy's maximum duration), and only a fresh
/// quorum renews it. Declarations, renewals, refusals and expiries are audited.</summary>
public sealed class EmergencyProtocol : IDisposable
{
    /// <summary>An approval older than this does not count: 24 h, one council cycle of deliberation.</summary>
    public static readonly TimeSpan DefaultApprovalMaxAge = TimeSpan.FromHours(24);

    private readonly Council _council;
    private readonly TimeSpan _maxDuration;
    private readonly TimeSpan _approvalMaxAge;
    private readonly TimeProvider _time;
    private readonly IAuditSink _audit;
    private readonly Lock _gate = new();
    private Emergency? _active;
    private ITimer? _sunsetTimer;

    public EmergencyProtocol(Council council, TimeSpan maxDuration, TimeProvider time, IAuditSink audit, TimeSpan? approvalMaxAge = null)
    {
        (_council, _maxDuration, _time, _audit) = (council, maxDuration, time, audit);
        _approvalMaxAge = approvalMaxAge ?? DefaultApprovalMaxAge;
    }

    public event Action<Emergency>? Expired;

    public Emergency? Active { get { lock (_gate) { ExpireIfDue(); return _active; } } }

    /// <summary>Time left before the sunset, null when no emergency is in force.</summary>
    public TimeSpan? Remaining => Active is { } e ? e.Sunset - _time.GetUtcNow() : null;

    public EmergencyResult DeclareByTrigger(string triggerId, string reason, TimeSpan duration)
    {
        lock (_gate)
        {
            ExpireIfDue();
            if (Check(duration, "trigger:" + triggerId, AuditRoles.System) is { } refused) return refused;
            return Start(new Emergency(reason, "trigger:" + triggerId, Now, Now, Now + duration, 0), "trigger:" + triggerId, AuditRoles.System, []);
        }
    }

    public EmergencyResult DeclareByQuorum(string reason, TimeSpan duration, IReadOnlyCollection<Approval> approvals)
    {
        lock (_gate)
        {
            ExpireIfDue();
            var signers = Quorum(approvals, notBefore: Now - _approvalMaxAge, out var why);
            if ((Check(duration, "council", AuditRoles.Council) ?? (why is null ? null : Refuse("council", AuditRoles.Council, why))) is { } refused)
                return refused;
            return Start(new Emergency(reason, "council", Now, Now, Now + duration, 0), "council", AuditRoles.Council, signers);
        }
    }

    /// <summary>Extends the emergency from now by <paramref name="duration"/> (at most the maximum);
    /// needs k approvals signed during the current term.</summary>
    public EmergencyResult Renew(TimeSpan duration, IReadOnlyCollection<Approval> approvals)
    {
        lock (_gate)
        {
            ExpireIfDue();
            if (_active is not { } e) return Refuse("council", AuditRoles.Council, "no emergency is in force to renew; declare a new one");
            // Fresh: signed after the current term began (the approvals that started it cannot renew it).
            var signers = Quorum(approvals.Where(a => a.SignedAt > e.TermStart).ToList(), Now - _approvalMaxAge, out var why);
            if (why is not null) return Refuse("council", AuditRoles.Council, "renewal needs a fresh quorum: " + why);
            if (duration <= TimeSpan.Zero || duration > _maxDuration)
                return Refuse("council", AuditRoles.Council, $"duration {duration} must be positive and at most {_maxDuration}");
            var renewed = e with { TermStart = Now, Sunset = Now + duration, Renewals = e.Renewals + 1 };
            _active = renewed;
            ArmSunset();
            _audit.Append("council", AuditRoles.Council, "emergency.renewed", Payload(renewed, signers));
            return new(true, null, renewed);
        }
    }

    /// <summary>After a restart: the emergency persisted, without auditing it again; it expires (audited)
    /// at once when its sunset passed while the gateway was down.</summary>
    public void Restore(Emergency e)
    {
        lock (_gate)
        {
            _active = e;
            if (Now >= e.Sunset) ExpireIfDue();
            else ArmSunset();
        }
    }

    public void Dispose() => _sunsetTimer?.Dispose();

    private DateTimeOffset Now => _time.GetUtcNow();

    private EmergencyResult? Check(TimeSpan duration, string actor, string role)
    {
        if (_active is { } a) return Refuse(actor, role, $"an emergency is already in force until {a.Sunset:O}; renew it instead");
        if (duration <= TimeSpan.Zero || duration > _maxDuration)
            return Refuse(actor, role, $"duration {duration} must be positive and at most {_maxDuration} (the policy's sunset)");
        return null;
    }

    /// <summary>The distinct council members among fresh approvals; why is set when fewer than k.</summary>
    private string[] Quorum(IReadOnlyCollection<Approval> approvals, DateTimeOffset notBefore, out string? why)
    {
        var signers = approvals.Where(a => _council.Members.Contains(a.MemberId) && a.SignedAt >= notBefore && a.SignedAt <= Now)
            .Select(a => a.MemberId).Distinct().Order(StringComparer.Ordinal).ToArray();
        var ignored = approvals.Select(a => a.MemberId).Except(signers).Distinct().ToArray();
        why = signers.Length >= _council.K ? null
            : $"{signers.Length} valid approvals of {_council.K} needed" + (ignored.Length > 0 ? $" (not counted: {string.Join(", ", ignored)} — not a member, or signed outside the window)" : "");
        return signers;
    }

    private EmergencyResult Start(Emergency e, string actor, string role, string[] signers)
    {
        _active = e;
        ArmSunset();
        _audit.Append(actor, role, "emergency.declared", Payload(e, signers));
        return new(true, null, e);
    }

    private EmergencyResult Refuse(string actor, string role, string why)
    {
        _audit.Append(actor, role, "emergency.refused", new { reason = why });
        return new(false, why, _active);
    }

    private void ArmSunset()
    {
        _sunsetTimer?.Dispose();
        _sunsetTimer = _time.CreateTimer(_ => { lock (_gate) ExpireIfDue(); }, null, _active!.Sunset - Now, Timeout.InfiniteTimeSpan);
    }

    private void ExpireIfDue()
    {
        if (_active is not { } e || Now < e.Sunset) return;
        _active = null;
        _audit.Append("sunset", AuditRoles.System, "emergency.expired", Payload(e, []));
        Expired?.Invoke(e);
    }

    private static object Payload(Emergency e, string[] signers) => new
    {
        reason = e.Reason, declared_by = e.DeclaredBy, start = e.Start.ToString("O"), sunset = e.Sunset.ToString("O"),
        renewals = e.Renewals, approvals = signers,
    };
}
