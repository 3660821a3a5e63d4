using System.Collections.Immutable;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Region;

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
            foreach (var (r, c) in caps)
            {
                if (_delegated.TryGetValue(r, out var before) && before.Cap == c.Cap && before.Source == c.Source) continue;
                var own = _store.Current.Resources.TryGetValue(r, out var rp) ? rp.CapPerPeriod : (long?)null;
                Audit_.Append("region", AuditRoles.System, "region.cap.applied", new
                {
                    resource = r.Name(),
                    delegated_cap = c.Cap,
                    source = c.Source == CapSource.Region ? "region" : "fallback",
                    own_cap = own,
                    in_force = own is { } o ? Region.DelegatedCaps.Apply(o, c) : c.Cap,
                    valid_until = DateTimeOffset.FromUnixTimeMilliseconds(c.ValidUntilMs).ToString("O"),
                });
            }
            _delegated = caps;
            using var batch = Db.Batch();
            Build();
            RestoreStages();
            foreach (var h in _store.Current.Households)
                foreach (var resource in _resources.Keys) Evaluate(h, resource);
            PushPolicy();
        }
    }

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
                r.Value with { CapPerPeriod = Region.DelegatedCaps.Apply(r.Value.CapPerPeriod, _delegated.GetValueOrDefault(r.Key)) }),
        };
}
