using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.PolicyRuntime;

// What a region delegates, in the policy runtime's terms. Defined here, not in Region/, so that the
// federation code depends on the policy runtime and never the reverse (docs/architecture.md, layers).

/// <summary>Where a community's cap for a resource comes from.</summary>
public enum CapSource
{
    /// <summary>The region's last answer, still valid.</summary>
    Region,

    /// <summary>The last answer's validity ended (the link has been down that long): the regional
    /// fallback rule, the community's floor, holds until the region answers again.</summary>
    Fallback,
}

/// <summary>The cap a community applies from the region's last answer, and the regional stage it holds
/// at least (0 once the stage's own time has passed, link or no link).</summary>
public sealed record EffectiveCap(Resource Resource, long Cap, CapSource Source, long ValidUntilMs, int RegionalStage = 0)
{
    /// <summary>The stricter of the community's own cap and the delegated one. The allowance calculator
    /// still gives every household its floor when the floors exceed it (docs/design.md rule 1).</summary>
    public static long Stricter(long ownCap, EffectiveCap? delegated) => delegated is null ? ownCap : Math.Min(ownCap, delegated.Cap);
}

/// <summary>What applies delegated caps to the community's allowances: the policy runtime.</summary>
public interface IDelegatedCapTarget
{
    void ApplyDelegatedCaps(IReadOnlyDictionary<Resource, EffectiveCap> caps);
}
