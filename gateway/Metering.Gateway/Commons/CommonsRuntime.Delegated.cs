using System.Collections.Immutable;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Commons;

/// <summary>A region's delegated caps (Region/README.md): the allowances are computed under the
/// stricter of the policy's own cap and the delegated one; the policy itself (floors, sharing rule,
/// ceilings, stages) stays the community's. Each change is audited in the community's chain.</summary>
public sealed partial class CommonsRuntime : IDelegatedCapTarget
{
    private IReadOnlyDictionary<Resource, EffectiveCap> _delegated = ImmutableDictionary<Resource, EffectiveCap>.Empty;

    /// <summary>The delegated caps in force (empty when the community has no region or no answer yet).</summary>
    public IReadOnlyDictionary<Resource, EffectiveCap> DelegatedCaps { get { lock (_gate) return _delegated; } }

    public void ApplyDelegatedCaps(IReadOnlyDictionary<Resource, EffectiveCap> caps)
    {
        Initialize();
        lock (_gate)
        {
            // Each answer renews the validity; only a changed cap, source or stage rebuilds the runtime
            // (a rebuild starts the stage monitors' gauge bookkeeping afresh).
            if (caps.Count == _delegated.Count && caps.All(c => _delegated.TryGetValue(c.Key, out var d)
                && d.Cap == c.Value.Cap && d.Source == c.Value.Source && d.RegionalStage == c.Value.RegionalStage))
            {
                _delegated = caps;
                return;
            }
            foreach (var (r, c) in caps)
            {
                if (_delegated.TryGetValue(r, out var before) && before.Cap == c.Cap && before.Source == c.Source) continue;
                var own = _store.Current.Resources.TryGetValue(r, out var rp) ? rp.CapPerPeriod : (long?)null;
                _audit.Append("region", AuditRoles.System, "region.cap.applied", new
                {
                    resource = r.Name(),
                    delegated_cap = c.Cap,
                    source = c.Source == CapSource.Region ? "region" : "fallback",
                    own_cap = own,
                    in_force = own is { } o ? EffectiveCap.Stricter(o, c) : c.Cap,
                    valid_until = DateTimeOffset.FromUnixTimeMilliseconds(c.ValidUntilMs).ToString("O"),
                });
            }
            var stagesBefore = _delegated.ToDictionary(d => d.Key, d => d.Value.RegionalStage);
            _delegated = caps;
            using var batch = _db.Batch();
            Build();
            RestoreStages();
            foreach (var h in _store.Current.Households)
                foreach (var resource in _resources.Keys) Evaluate(h, resource);
            PushPolicy();
            foreach (var (resource, rr) in _resources)
            {
                var regional = RegionalStage(resource);
                if (regional == stagesBefore.GetValueOrDefault(resource)) continue;
                _audit.Append("region", AuditRoles.System, "region.stage.applied", new { resource = resource.Name(), regional_stage = regional });
                var before = rr.Stages.Current;
                rr.StageReason = regional > 0 ? $"regional stage {regional}" : "regional stage ended";
                // The stricter of a community emergency (stage 3) and the region's stage; the triggers may go higher still.
                if (rr.Stages.Declare(Math.Max(_emergency.Active is null ? 0 : 3, regional), rr.StageReason) != before) StageChanged(resource, rr, null);
                else SaveStage(resource, rr);
            }
        }
    }

    /// <summary>The stage the region holds this community's resource at, at least (0: none).</summary>
    private int RegionalStage(Resource resource) => _delegated.TryGetValue(resource, out var d) ? d.RegionalStage : 0;

    /// <summary>The policy's allowances as the runtime applies them: <paramref name="p"/> under the delegated caps in force.</summary>
    public CommunityPolicy UnderDelegatedCapsOf(CommunityPolicy p)
    {
        lock (_gate) return UnderDelegatedCaps(p);
    }

    /// <summary>The policy with each resource's cap lowered to the delegated one where that is stricter.</summary>
    private CommunityPolicy UnderDelegatedCaps(CommunityPolicy p) =>
        _delegated.Count == 0 ? p : p with
        {
            Resources = p.Resources.ToImmutableDictionary(r => r.Key, r =>
                r.Value with { CapPerPeriod = EffectiveCap.Stricter(r.Value.CapPerPeriod, _delegated.GetValueOrDefault(r.Key)) }),
        };
}
