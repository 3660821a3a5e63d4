using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Region;

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
public sealed record EffectiveCap(Resource Resource, long Cap, CapSource Source, long ValidUntilMs, int RegionalStage = 0);

/// <summary>Decides the cap in force from the caps kept (UpstreamOutbox) and the time: the last
/// delegated cap while valid, even past the end of its period (local autonomy while the link is down),
/// then the fallback, the community's floor: basic needs are never taken away, and nothing beyond them
/// is drawn from the shared river without the region's word.</summary>
public static class DelegatedCaps
{
    public static IReadOnlyDictionary<Resource, EffectiveCap> Effective(IReadOnlyList<DelegatedCap> kept, long nowMs) =>
        kept.ToDictionary(c => c.Resource, c => nowMs < c.ValidUntilMs
            ? new EffectiveCap(c.Resource, c.Cap, CapSource.Region, c.ValidUntilMs, StageAt(c, nowMs))
            : new EffectiveCap(c.Resource, c.Floor, CapSource.Fallback, c.ValidUntilMs, StageAt(c, nowMs)));

    private static int StageAt(DelegatedCap c, long nowMs) => nowMs < c.StageUntilMs ? c.Stage : 0;

    /// <summary>The stricter of the community's own cap and the delegated one. The allowance calculator
    /// still gives every household its floor when the floors exceed it (docs/design.md rule 1).</summary>
    public static long Apply(long ownCap, EffectiveCap? delegated) => delegated is null ? ownCap : Math.Min(ownCap, delegated.Cap);
}
