using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>A region's delegated caps (Region/README.md): the allowances are computed under the
/// stricter of the policy's own cap and the delegated one; the policy itself (floors, sharing rule,
/// ceilings, stages) stays the community's. Each change is audited in the community's chain. The caps
/// in force are <see cref="RegionalCaps"/>'; here the runtime rebuilds on them.</summary>
public sealed partial class CommonsRuntime : IDelegatedCapTarget
{
    private readonly RegionalCaps _regional = new();

    /// <summary>The delegated caps in force (empty when the community has no region or no answer yet).</summary>
    public IReadOnlyDictionary<Resource, EffectiveCap> DelegatedCaps { get { lock (_gate) return _regional.InForce; } }

    public void ApplyDelegatedCaps(IReadOnlyDictionary<Resource, EffectiveCap> caps)
    {
        Initialize();
        lock (_gate)
        {
            // Each answer renews the validity; only a changed cap, source or stage rebuilds the runtime
            // (a rebuild starts the stage monitors' gauge bookkeeping afresh).
            if (_regional.TryRenew(caps)) return;
            var stagesBefore = _regional.Replace(caps, _store.Current, _audit);
            using var batch = _db.Batch();
            Build();
            RestoreStages();
            foreach (var h in _store.Current.Households)
                foreach (var resource in _resources.Keys) Evaluate(h, resource);
            PushPolicy();
            foreach (var (resource, rr) in _resources)
            {
                var regional = _regional.StageOf(resource);
                if (regional == stagesBefore.GetValueOrDefault(resource)) continue;
                _audit.Append("region", AuditRoles.System, "region.stage.applied", new { resource = resource.Name(), regional_stage = regional });
                var before = rr.Stages.Current;
                rr.StageReason = regional > 0 ? $"regional stage {regional}" : "regional stage ended";
                // The stricter of a community emergency (stage 3) and the region's stage; the triggers may go higher still.
                if (rr.Stages.Declare(Math.Max(_acts.EmergencyInForce ? 3 : 0, regional), rr.StageReason) != before) StageChanged(resource, rr, null);
                else SaveStage(resource, rr);
            }
        }
    }

    /// <summary>The policy's allowances as the runtime applies them: <paramref name="p"/> under the delegated caps in force.</summary>
    public CommunityPolicy UnderDelegatedCapsOf(CommunityPolicy p)
    {
        lock (_gate) return _regional.Under(p);
    }
}
