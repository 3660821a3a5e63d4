using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Commons;

/// <summary>ICommonsRuntime's acts. Each is audited (by the policy library or here) before it returns;
/// what a person can get wrong is refused in plain words, never thrown.</summary>
public sealed partial class CommonsRuntime
{
    public ActResult Propose(string actor, string yaml, DateTimeOffset effectiveAt)
    {
        Initialize();
        lock (_gate)
        {
            var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
            if (NotCouncil(actor, "propose a policy") is { } refused)
            {
                _db.SaveRefusal(now, actor, yaml, refused.Refusal!, []);
                return refused;
            }
            var r = _changes.Propose(yaml, "proposal.yaml", effectiveAt, actor);
            if (!r.Accepted || r.Proposal is not { } p)
            {
                var errors = r.Errors.Select(e => e.ToString()).ToList();
                _db.SaveRefusal(now, actor, yaml, r.Refusal!, errors);
                return ActResult.Refused(r.Refusal!, errors);
            }
            _db.SaveProposal(p.Id, yaml, actor, effectiveAt.ToUnixTimeMilliseconds(), [], "pending", now);
            // The proposer's own approval counts as one.
            return Approve(actor, p.Id);
        }
    }

    public ActResult Approve(string actor, string proposalId)
    {
        Initialize();
        lock (_gate)
        {
            var before = _changes.Pending.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            var r = _changes.Approve(proposalId, actor);
            if (!r.Accepted) return ActResult.Refused(r.Refusal!);
            var saved = _db.Proposals().First(p => p.Id == proposalId);
            _db.SaveProposal(proposalId, saved.Yaml, saved.Proposer, saved.EffectiveMs, r.Proposal!.Approvals.Order(StringComparer.Ordinal), "pending", saved.CreatedMs);
            if (before.Count != _changes.Pending.Count) PolicyActivated(before);
            return ActResult.Ok(proposalId);
        }
    }

    /// <summary>Proposals that left the pending set were activated (PolicyChanges.Activate): the newest
    /// becomes the policy persisted in commons.db, and the runtime is rebuilt on it.</summary>
    private void PolicyActivated(IReadOnlySet<string> pendingBefore)
    {
        var stillPending = _changes.Pending.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
        var activated = _db.Proposals().Where(p => pendingBefore.Contains(p.Id) && !stillPending.Contains(p.Id)).OrderBy(p => p.EffectiveMs).ToList();
        foreach (var p in activated) _db.SaveProposal(p.Id, p.Yaml, p.Proposer, p.EffectiveMs, p.Approvals, "activated", p.CreatedMs);
        if (activated.Count > 0) _db.Set("policy_yaml", activated[^1].Yaml);
        Build();
        RestoreStages();
        _emergencyApplied = null;
        TickEmergency();
        foreach (var h in _store.Current.Households)
            foreach (var resource in _resources.Keys) Evaluate(h, resource);
        PushPolicy();
    }

    public void RecordAccountAct(string administrator, string kind, object payload)
    {
        Initialize();
        lock (_gate) _audit.Append(administrator, AuditRoles.Administrator, kind, payload);
    }

    public ActResult DeclareEmergency(string actor, string reason, TimeSpan duration)
    {
        Initialize();
        lock (_gate)
        {
            if (NotCouncil(actor, "declare an emergency") is { } refused) return refused;
            if (TooLong(actor, "declare", duration) is { } tooLong) return tooLong;
            if (_emergency.Active is { } e) return ActResult.Refused($"an emergency is already in force until {e.Sunset:O}; sign a renewal instead");
            var maxAge = EmergencyProtocol.DefaultApprovalMaxAge;
            var now = _time.GetUtcNow();
            _db.Sign("declare", actor, reason, (long)duration.TotalSeconds, now.ToUnixTimeMilliseconds());
            _audit.Append(actor, AuditRoles.Council, "emergency.signed", new { act = "declare", reason, duration_s = (long)duration.TotalSeconds });
            // Same reason, signed within the approval window: the quorum the protocol checks.
            var sigs = _db.Signatures("declare").Where(s => s.Reason == reason && now - DateTimeOffset.FromUnixTimeMilliseconds(s.SignedMs) <= maxAge).ToList();
            if (sigs.Select(s => s.Member).Distinct().Count() < _store.Current.Council.K)
                return ActResult.Ok("pending");
            var result = _emergency.DeclareByQuorum(reason, duration, Approvals(sigs));
            _db.ClearSignatures("declare");
            if (!result.Accepted) return ActResult.Refused(result.Refusal!);
            TickEmergency();
            return ActResult.Ok("declared");
        }
    }

    public ActResult RenewEmergency(string actor, TimeSpan duration)
    {
        Initialize();
        lock (_gate)
        {
            if (NotCouncil(actor, "renew an emergency") is { } refused) return refused;
            if (TooLong(actor, "renew", duration) is { } tooLong) return tooLong;
            if (_emergency.Active is not { } e)
            {
                // Audited by the protocol as emergency.refused.
                var r = _emergency.Renew(duration, []);
                return ActResult.Refused(r.Refusal!);
            }
            var now = _time.GetUtcNow();
            _db.Sign("renew", actor, e.Reason, (long)duration.TotalSeconds, now.ToUnixTimeMilliseconds());
            _renewSigned = true;
            _audit.Append(actor, AuditRoles.Council, "emergency.signed", new { act = "renew", reason = e.Reason, duration_s = (long)duration.TotalSeconds });
            // Fresh: only signatures made during the current term count (the protocol checks it again).
            var sigs = _db.Signatures("renew").Where(s => DateTimeOffset.FromUnixTimeMilliseconds(s.SignedMs) > e.TermStart).ToList();
            if (sigs.Select(s => s.Member).Distinct().Count() < _store.Current.Council.K) return ActResult.Ok("pending");
            var result = _emergency.Renew(duration, Approvals(sigs));
            _db.ClearSignatures("renew");
            if (!result.Accepted) return ActResult.Refused(result.Refusal!);
            TickEmergency();
            return ActResult.Ok("renewed");
        }
    }

    public ActResult ResetBreaker(string actor, string breakerId)
    {
        Initialize();
        lock (_gate)
        {
            if (!_channels.TryGetValue(breakerId, out var c) || c.Safety is null)
            {
                // A zone or resource breaker: closing it ends the shedding it caused; it trips again if the load is still over.
                if (FindBreaker(breakerId) is not { } other) return ActResult.Refused($"no breaker '{breakerId}'");
                if (other.State == BreakerState.Closed) return ActResult.Refused($"breaker '{breakerId}' is not tripped");
                if (!other.Reset(actor, AuditRoles.Technician)) return ActResult.Refused("only a technician may reset a breaker");
                BreakerReset(other);
                return ActResult.Ok(breakerId);
            }
            var b = c.Safety.Breaker;
            if (b.State == BreakerState.Closed) return ActResult.Refused($"breaker '{breakerId}' is not tripped");
            if (!b.Reset(actor, AuditRoles.Technician)) return ActResult.Refused("only a technician may reset a breaker");
            // The device's own trip too (docs/protocol.md "reset"), before the valve reopens.
            _commands.Desire(c.Meter.Id, $"{c.Meter.Id}/{c.Channel.Id}/reset:{_time.GetUtcNow().ToUnixTimeMilliseconds()}",
                CommandCodec.Reset("", 0, c.Channel.Id), false, "technician reset by " + actor, "");
            Evaluate(c.Household, c.Resource);
            return ActResult.Ok(breakerId);
        }
    }

    /// <summary>A signature for longer than the policy's emergency.max_duration_hours is refused when
    /// signed, not accepted as pending and refused only once the quorum is there.</summary>
    private ActResult? TooLong(string actor, string act, TimeSpan duration)
    {
        var max = _store.Current.EmergencyMaxDuration;
        if (duration <= max) return null;
        var why = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{duration.TotalHours:0.#} h is longer than the {max.TotalHours:0.#} h the policy allows for an emergency");
        _audit.Append(actor, AuditRoles.Council, "emergency.refused", new { act, reason = why });
        return ActResult.Refused(why);
    }

    private ActResult? NotCouncil(string actor, string what)
    {
        if (_store.Current.Council.Members.Contains(actor)) return null;
        _audit.Append(actor, AuditRoles.Council, "act.refused", new { act = what, reason = "not a council member" });
        return ActResult.Refused($"'{actor}' is not a member of the council in force and may not {what}");
    }

    private static List<Approval> Approvals(IEnumerable<(string Member, string Reason, long DurationS, long SignedMs)> sigs) =>
        sigs.Select(s => new Approval(s.Member, DateTimeOffset.FromUnixTimeMilliseconds(s.SignedMs))).ToList();
}
