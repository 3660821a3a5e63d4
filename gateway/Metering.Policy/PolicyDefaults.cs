using System.Collections.Immutable;

namespace Commons.Metering.Gateway.Policy;

/// <summary>Every default of the policy file in one place (Policy/README.md's table is tested against it).</summary>
public static class PolicyDefaults
{
    /// <summary>The only policy file version this engine reads.</summary>
    public const int Version = 1;

    /// <summary>Sanction thresholds, percent of allowance used: a notice as the end nears, a warning
    /// at the allowance, then throttle and restriction (graduated sanctions, Ostrom principle 5).</summary>
    public const int NoticePercent = 80, WarningPercent = 100, ThrottlePercent = 110, RestrictionPercent = 125;

    /// <summary>What an exhausted allowance curtails (essential never while under the floor).</summary>
    public static readonly ImmutableHashSet<UseClass> QuotaCurtails = [UseClass.Discretionary];
    public static readonly ImmutableHashSet<UseClass> ThrottleCurtails = [UseClass.Discretionary];
    public static readonly ImmutableHashSet<UseClass> RestrictionCurtails = [UseClass.Discretionary, UseClass.Standard];

    /// <summary>Rotation slot: 15 minutes, the common demand-response interval (OpenADR 2.0b intervals,
    /// and the metering interval of most European demand-side programmes).</summary>
    public const int RotationSlotMinutes = 15;

    /// <summary>Spread of curtailed minutes between households: one slot is the best a rotation can
    /// guarantee (RotationScheduler).</summary>
    public const int MaxSpreadMinutes = 15;

    /// <summary>Resource breaker: the community's use is averaged over 15 minutes, the rotation slot
    /// (above), so a few lost or delayed readings do not trip it.</summary>
    public const int ResourceBreakerWindowMinutes = 15;

    /// <summary>What an open resource breaker curtails when the policy does not say: discretionary only
    /// (docs/design.md rule 2: shed discretionary first).</summary>
    public static readonly ImmutableHashSet<UseClass> ResourceBreakerCurtails = [UseClass.Discretionary];

    /// <summary>Longest emergency before a fresh quorum must renew it: 72 hours (a typical council
    /// emergency-order limit; the community sets its own).</summary>
    public const int EmergencyMaxHours = 72;

    /// <summary>Stage trigger hysteresis when none is given.</summary>
    public const long TriggerHysteresis = 0;

    /// <summary>Upper bound of stage_rules' dwell and stale minutes: a week, longer than any gauge
    /// may sensibly stay silent or a stage be pinned by dwell alone.</summary>
    public const int MaxStageRuleMinutes = 7 * 24 * 60;
}
