using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>ICommonsRuntime's acts, each under the lock. The council's are <see cref="CouncilActs"/>'; here the
/// runtime reacts to what they decided (an activated policy rebuilds it, an emergency holds the stages).
/// Each act is audited before it returns; what a person can get wrong is refused in plain words, never thrown.</summary>
public sealed partial class CommonsRuntime
{
    public ActResult Propose(string actor, string yaml, DateTimeOffset effectiveAt)
    {
        Initialize();
        lock (_gate)
        {
            var r = _acts.Propose(actor, yaml, effectiveAt);
            // The proposer's own approval counts as one.
            return r.Accepted ? Approve(actor, r.Id!) : r;
        }
    }

    public ActResult Approve(string actor, string proposalId)
    {
        Initialize();
        lock (_gate)
        {
            var before = _acts.PendingIds();
            var r = _acts.Approve(actor, proposalId);
            if (r.Accepted && before.Count != _acts.PendingIds().Count) PolicyActivated(before);
            return r;
        }
    }

    /// <summary>Proposals that left the pending set were activated (PolicyChanges.Activate): the newest
    /// becomes the policy persisted in the state store, and the runtime is rebuilt on it.</summary>
    private void PolicyActivated(IReadOnlySet<string> pendingBefore)
    {
        _acts.RecordActivation(pendingBefore);
        Build();
        RestoreStages();
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
            var r = _acts.DeclareEmergency(actor, reason, duration);
            if (r.Accepted && r.Id == "declared") TickEmergency();
            return r;
        }
    }

    public ActResult RenewEmergency(string actor, TimeSpan duration)
    {
        Initialize();
        lock (_gate)
        {
            var r = _acts.RenewEmergency(actor, duration);
            if (r.Accepted && r.Id == "renewed") TickEmergency();
            return r;
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
                if (_breakers.Find(breakerId) is not { } other) return ActResult.Refused($"no breaker '{breakerId}'");
                if (other.State == BreakerState.Closed) return ActResult.Refused($"breaker '{breakerId}' is not tripped");
                if (!other.Reset(actor, AuditRoles.Technician)) return ActResult.Refused("only a technician may reset a breaker");
                if (_breakers.Reset(other) is var (households, resource))
                    foreach (var h in households ?? _store.Current.Households.Select(h => h.Id)) Evaluate(_store.Current.Household(h), resource);
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
}
