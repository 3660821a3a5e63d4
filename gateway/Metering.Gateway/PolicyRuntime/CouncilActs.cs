using System.Globalization;
using System.Text.Json;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The council's acts and what they leave in the state store: policy proposals with their approvals
/// and refusals, emergency declaration and renewal signatures until quorum, and the emergency in force. Owns
/// the policy library's <see cref="PolicyChanges"/> and <see cref="EmergencyProtocol"/>; the runtime
/// reacts to what they decide (a rebuild on an activated policy, stages held by an emergency). What a
/// person can get wrong is refused in plain words and audited, never thrown. Not thread-safe: used under
/// the runtime's lock.</summary>
internal sealed class CouncilActs : IDisposable
{
    private readonly PolicyStore _store;
    private readonly ICommonsStore _db;
    private readonly IAuditSink _audit;
    private readonly TimeProvider _time;
    private EmergencyProtocol _emergency;
    private PolicyChanges _changes;
    private Emergency? _emergencyApplied;
    // A renewal signature may be waiting (checked at each tick only then: the tick runs every pass).
    private bool _renewSigned = true;

    public CouncilActs(PolicyStore store, ICommonsStore db, IAuditSink audit, TimeProvider time)
    {
        (_store, _db, _audit, _time) = (store, db, audit, time);
        _emergency = new EmergencyProtocol(store.Current.Council, store.Current.EmergencyMaxDuration, time, audit);
        _changes = new PolicyChanges(store, time, audit);
    }

    /// <summary>Refused proposals listed: the latest few are what a council member needs to see.</summary>
    public const int RefusalsListed = 20;

    public bool EmergencyInForce => _emergency.Active is not null;

    /// <summary>The ids of the proposals waiting for approvals or their effective time.</summary>
    public IReadOnlySet<string> PendingIds() => _changes.Pending.Select(p => p.Id).ToHashSet(StringComparer.Ordinal);

    /// <summary>A council-approved policy activated before a restart stays in force (not the file's).
    /// False when the one kept no longer parses or is another community's: the file's stays in force.</summary>
    public bool RestoreActivatedPolicy()
    {
        if (_db.Get("policy_yaml") is not { } yaml) return true;
        var parsed = PolicyLoader.Parse(yaml, "activated-policy.yaml");
        if (parsed.Policy is not { } p || p.Community != _store.Current.Community) return false;
        _store.Swap(p);
        return true;
    }

    /// <summary>On the policy now in force (its council, its emergency limit): the emergency in force and the
    /// pending proposals are carried over.</summary>
    public void Rebuild()
    {
        var p = _store.Current;
        var active = _emergency.Active;
        _emergency.Dispose();
        _emergency = new EmergencyProtocol(p.Council, p.EmergencyMaxDuration, _time, _audit);
        if (active is not null) _emergency.Restore(active);
        var pending = _changes.Pending;
        _changes = new PolicyChanges(_store, _time, _audit);
        foreach (var pp in pending) _changes.Restore(pp);
    }

    /// <summary>The emergency and the pending proposals as they were before a restart.</summary>
    public void Restore()
    {
        if (_db.Get("emergency") is { } json && JsonSerializer.Deserialize<Emergency>(json) is { } e)
        {
            _emergencyApplied = e;
            _emergency.Restore(e);
        }
        foreach (var p in _db.Proposals().Where(p => p.State == "pending"))
        {
            var parsed = PolicyLoader.Parse(p.Yaml, "proposal-" + p.Id[..8] + ".yaml");
            if (parsed.Policy is { } policy)
                _changes.Restore(new PolicyProposal(p.Id, policy, DateTimeOffset.FromUnixTimeMilliseconds(p.EffectiveMs), p.Proposer, p.Approvals.ToHashSet(StringComparer.Ordinal)));
        }
    }

    /// <summary>A proposal checked and kept as pending (its id in the result), or refused and kept as a refusal.
    /// The proposer's approval is the caller's next step.</summary>
    public ActResult Propose(string actor, string yaml, DateTimeOffset effectiveAt)
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
        return ActResult.Ok(p.Id);
    }

    /// <summary>An approval, kept; with k of them a proposal due now is activated (it leaves <see cref="PendingIds"/>).</summary>
    public ActResult Approve(string actor, string proposalId)
    {
        var r = _changes.Approve(proposalId, actor);
        if (!r.Accepted) return ActResult.Refused(r.Refusal!);
        var saved = _db.Proposals().First(p => p.Id == proposalId);
        _db.SaveProposal(proposalId, saved.Yaml, saved.Proposer, saved.EffectiveMs, r.Proposal!.Approvals.Order(StringComparer.Ordinal), "pending", saved.CreatedMs);
        return ActResult.Ok(proposalId);
    }

    /// <summary>Activates the approved proposals whose effective time came; true when one was.</summary>
    public bool ActivateDue() => _changes.Activate();

    /// <summary>Proposals that left the pending set were activated: each is marked so, and the newest becomes the
    /// policy persisted in the state store. The runtime is then rebuilt on it, and the emergency re-applied.</summary>
    public void RecordActivation(IReadOnlySet<string> pendingBefore)
    {
        var stillPending = PendingIds();
        var activated = _db.Proposals().Where(p => pendingBefore.Contains(p.Id) && !stillPending.Contains(p.Id)).OrderBy(p => p.EffectiveMs).ToList();
        foreach (var p in activated) _db.SaveProposal(p.Id, p.Yaml, p.Proposer, p.EffectiveMs, p.Approvals, "activated", p.CreatedMs);
        if (activated.Count > 0) _db.Set("policy_yaml", activated[^1].Yaml);
        _emergencyApplied = null;
    }

    /// <summary>A signature; <c>declared</c> once k distinct members signed the same reason within the approval window.</summary>
    public ActResult DeclareEmergency(string actor, string reason, TimeSpan duration)
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
        return result.Accepted ? ActResult.Ok("declared") : ActResult.Refused(result.Refusal!);
    }

    /// <summary>A signature during the current term; <c>renewed</c> with a fresh quorum.</summary>
    public ActResult RenewEmergency(string actor, TimeSpan duration)
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
        return result.Accepted ? ActResult.Ok("renewed") : ActResult.Refused(result.Refusal!);
    }

    /// <summary>True (once) when the emergency in force is not the one the runtime last applied (declared,
    /// renewed, ended by its sunset): it is persisted, and <paramref name="active"/> is the one now in force.</summary>
    public bool TakeEmergencyChange(out Emergency? active)
    {
        active = _emergency.Active;
        if (active == _emergencyApplied) return false;
        _emergencyApplied = active;
        _db.Set("emergency", active is null ? null : JsonSerializer.Serialize(active));
        return true;
    }

    /// <summary>Renewal signatures still short of a quorum when the emergency ended: refused, audited.</summary>
    public void RefuseOrphanedRenewals()
    {
        if (_emergency.Active is not null || !_renewSigned || _db.Signatures("renew").Count == 0) return;
        _renewSigned = false;
        var sigs = _db.Signatures("renew");
        _emergency.Renew(TimeSpan.FromSeconds(sigs[^1].DurationS), sigs.Select(s => new Approval(s.Member, DateTimeOffset.FromUnixTimeMilliseconds(s.SignedMs))).ToList());
        _db.ClearSignatures("renew");
    }

    public IReadOnlyList<ProposalView> Proposals()
    {
        var k = _store.Current.Council.K;
        static DateTimeOffset At(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);
        var proposals = _db.Proposals().Select(p => new ProposalView(p.Id, p.Proposer, At(p.EffectiveMs), p.Approvals, k, p.State, p.Yaml, At(p.CreatedMs)));
        var refused = _db.Refusals(RefusalsListed).Select(r => new ProposalView(
            Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(r.Yaml))),
            r.Proposer, At(r.CreatedMs), [], k, "refused", r.Yaml, At(r.CreatedMs), r.Reason, r.Errors));
        return proposals.Concat(refused).OrderByDescending(p => p.Created).ToList();
    }

    /// <summary>The activated proposal's file, else the installed file's text.</summary>
    public string? PolicyYaml() => _db.Get("policy_yaml") ?? _store.InstalledText;

    /// <summary>The emergency in force with its renewal signatures, or the declaration signatures still short of a quorum.</summary>
    public EmergencyView? EmergencyView(DateTimeOffset now)
    {
        var pending = _db.Signatures("declare").Concat(_db.Signatures("renew")).Select(s => s.Member).Distinct().ToList();
        var council = _store.Current.Council.K;
        var max = _store.Current.EmergencyMaxDuration;
        List<SignatureView> Signed(string act) => _db.Signatures(act).Select(s => new SignatureView(s.Member, act, s.Reason, TimeSpan.FromSeconds(s.DurationS),
            DateTimeOffset.FromUnixTimeMilliseconds(s.SignedMs))).ToList();
        if (_emergency.Active is not { } e)
        {
            var sigs = Signed("declare");
            return sigs.Count == 0 ? null
                : new EmergencyView(sigs[^1].Reason, "pending", now, now, TimeSpan.Zero, 0, pending, Active: false, sigs, council, max);
        }
        return new EmergencyView(e.Reason, e.DeclaredBy, e.Start, e.Sunset, e.Sunset - now, e.Renewals, pending, Active: true, Signed("renew"), council, max);
    }

    public void Dispose() => _emergency.Dispose();

    /// <summary>A signature for longer than the policy's emergency.max_duration_hours is refused when
    /// signed, not accepted as pending and refused only once the quorum is there.</summary>
    private ActResult? TooLong(string actor, string act, TimeSpan duration)
    {
        var max = _store.Current.EmergencyMaxDuration;
        if (duration <= max) return null;
        var why = string.Create(CultureInfo.InvariantCulture,
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
