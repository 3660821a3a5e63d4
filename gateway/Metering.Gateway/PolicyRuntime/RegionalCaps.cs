using System.Collections.Immutable;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The region's delegated caps and regional stages in force (Region/README.md). Owns only what the
/// region said; the runtime rebuilds its allowances and stages from it (<c>CommonsRuntime.Delegated.cs</c>).
/// Not thread-safe: used under the runtime's lock.</summary>
internal sealed class RegionalCaps
{
    private IReadOnlyDictionary<Resource, EffectiveCap> _caps = ImmutableDictionary<Resource, EffectiveCap>.Empty;

    /// <summary>The delegated caps in force (empty when the community has no region or no answer yet).</summary>
    public IReadOnlyDictionary<Resource, EffectiveCap> InForce => _caps;

    /// <summary>Keeps <paramref name="caps"/> when they only renew the validity of those in force (same cap,
    /// source and stage per resource) and says so: then nothing else has to change.</summary>
    public bool TryRenew(IReadOnlyDictionary<Resource, EffectiveCap> caps)
    {
        if (caps.Count != _caps.Count || !caps.All(c => _caps.TryGetValue(c.Key, out var d)
            && d.Cap == c.Value.Cap && d.Source == c.Value.Source && d.RegionalStage == c.Value.RegionalStage)) return false;
        _caps = caps;
        return true;
    }

    /// <summary>Puts <paramref name="caps"/> in force, each changed cap or source audited
    /// (<c>region.cap.applied</c>) against the community's own cap in <paramref name="policy"/>.
    /// Returns the regional stage each resource had before.</summary>
    public IReadOnlyDictionary<Resource, int> Replace(IReadOnlyDictionary<Resource, EffectiveCap> caps, CommunityPolicy policy, IAuditSink audit)
    {
        foreach (var (r, c) in caps)
        {
            if (_caps.TryGetValue(r, out var before) && before.Cap == c.Cap && before.Source == c.Source) continue;
            var own = policy.Resources.TryGetValue(r, out var rp) ? rp.CapPerPeriod : (long?)null;
            audit.Append("region", AuditRoles.System, "region.cap.applied", new
            {
                resource = r.Name(),
                delegated_cap = c.Cap,
                source = c.Source == CapSource.Region ? "region" : "fallback",
                own_cap = own,
                in_force = own is { } o ? EffectiveCap.Stricter(o, c) : c.Cap,
                valid_until = DateTimeOffset.FromUnixTimeMilliseconds(c.ValidUntilMs).ToString("O"),
            });
        }
        var stagesBefore = _caps.ToDictionary(d => d.Key, d => d.Value.RegionalStage);
        _caps = caps;
        return stagesBefore;
    }

    /// <summary>The stage the region holds this community's resource at, at least (0: none).</summary>
    public int StageOf(Resource resource) => _caps.TryGetValue(resource, out var d) ? d.RegionalStage : 0;

    /// <summary>The policy with each resource's cap lowered to the delegated one where that is stricter.</summary>
    public CommunityPolicy Under(CommunityPolicy p) =>
        _caps.Count == 0 ? p : p with
        {
            Resources = p.Resources.ToImmutableDictionary(r => r.Key, r =>
                r.Value with { CapPerPeriod = EffectiveCap.Stricter(r.Value.CapPerPeriod, _caps.GetValueOrDefault(r.Key)) }),
        };
}
