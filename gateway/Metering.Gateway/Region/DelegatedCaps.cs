using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Region;

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
}
