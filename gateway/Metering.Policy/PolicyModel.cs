using System.Collections.Immutable;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Policy;

/// <summary>How essential a channel's use is (docs/design.md rule 2: shed discretionary before standard
/// before essential). The numeric order is the shedding order.</summary>
public enum UseClass { Discretionary = 0, Standard = 1, Essential = 2 }

public enum PolicyPeriod { Day, Week, Month, Season, Year }

/// <summary>How the cap left after the floors is shared.</summary>
public enum SharingRule { PerHousehold, PerPerson }

/// <summary>The community's policy file, parsed and validated: immutable, so a running engine can
/// swap it atomically (an invalid file is never half-applied).</summary>
public sealed record CommunityPolicy(
    int Version,
    string Community,
    string SourceFile,
    Council Council,
    TimeSpan UtcOffset,
    TimeSpan EmergencyMaxDuration,
    ImmutableArray<Household> Households,
    ImmutableArray<SharedMeter> SharedMeters,
    ImmutableDictionary<Resource, ResourcePolicy> Resources,
    ImmutableArray<Zone> Zones)
{
    public Household Household(string id) =>
        Households.FirstOrDefault(h => h.Id == id) ?? throw new ArgumentException($"unknown household '{id}'", nameof(id));

    public ResourcePolicy Resource(Resource r) =>
        Resources.TryGetValue(r, out var p) ? p : throw new ArgumentException($"the policy has no section for {r.Name()}", nameof(r));
}

/// <summary>k-of-n council: any k distinct members (of the n listed) form a quorum.</summary>
public sealed record Council(int K, ImmutableArray<string> Members)
{
    public int N => Members.Length;
}

public sealed record Household(string Id, int Persons, ImmutableArray<Meter> Meters);

public sealed record Meter(string Id, Resource Resource, ImmutableArray<Channel> Channels);

public sealed record Channel(string Id, UseClass Use);

/// <summary>A meter on shared infrastructure (reservoir level, feeder supply) that stage triggers read.</summary>
public sealed record SharedMeter(string Id, Resource Resource, ImmutableArray<string> Channels);

/// <summary>Everything the policy says about one resource. Amounts are in the resource's base unit
/// (mL, Wh, g) per <see cref="Period"/>.</summary>
public sealed record ResourcePolicy(
    Resource Resource,
    PolicyPeriod Period,
    long CapPerPeriod,
    long FloorPerPersonPerPeriod,
    SharingRule Sharing,
    long? CeilingPerHouseholdPerPeriod,
    ImmutableArray<TimeWindow> FriendlyHours,
    ImmutableHashSet<UseClass> QuotaCurtails,
    Sanctions Sanctions,
    SafetyLimits Safety,
    ImmutableArray<ShortageStage> Stages,
    ResourceBreaker? Breaker = null,
    StageGaugeRules? GaugeRules = null)
{
    /// <summary>Stage 0 (normal) curtails nothing; stages 1-3 as configured (an unconfigured stage
    /// inherits the one below it, so the order stays monotone).</summary>
    public ImmutableHashSet<UseClass> CurtailedAt(int stage)
    {
        if (stage is < 0 or > 3) throw new ArgumentOutOfRangeException(nameof(stage), stage, "stages are 0-3");
        var set = ImmutableHashSet<UseClass>.Empty;
        foreach (var s in Stages)
            if (s.Stage <= stage) set = s.Curtails;
        return set;
    }
}

/// <summary>A daily window in community-local time; To &lt; From wraps past midnight.</summary>
public sealed record TimeWindow(TimeOnly From, TimeOnly To)
{
    public bool Contains(TimeOnly t) => From <= To ? t >= From && t < To : t >= From || t < To;
}

/// <summary>Graduated sanctions (Ostrom's design principle 5): thresholds are percent of the
/// household's allowance used in the period; each level at or above its threshold applies.</summary>
public sealed record Sanctions(int NoticePercent, int WarningPercent, int ThrottlePercent, int RestrictionPercent,
    ImmutableHashSet<UseClass> ThrottleCurtails, ImmutableHashSet<UseClass> RestrictionCurtails);

public enum SanctionLevel { None, Notice, Warning, Throttle, Restriction }

/// <summary>Per-channel safety trips (docs/design.md rule 3). Null disables a detector.</summary>
public sealed record SafetyLimits(int? LeakMinutes, long? BurstMaxPerMinute);

/// <summary>The resource breaker (docs/design.md rule 3, "per resource"): the community's use of the resource,
/// averaged over the last <see cref="WindowMinutes"/>, above the supply's <see cref="CapacityPerMinute"/>
/// (spring yield, pump or inverter rating, in base units per minute) opens it; while open it curtails
/// <see cref="Curtails"/> (an ordered set) in every household, never an essential channel under its floor.</summary>
public sealed record ResourceBreaker(long CapacityPerMinute, int WindowMinutes, ImmutableHashSet<UseClass> Curtails);

public enum TriggerDirection { Below, Above }

/// <summary>A stage is entered when the measured value crosses Threshold and left only once it is
/// back past Threshold +/- Hysteresis (against flapping).</summary>
public sealed record StageTrigger(string Meter, string Channel, TriggerDirection Direction, long Threshold, long Hysteresis);

/// <summary>How stage triggers on gauges behave (resources.X.stage_rules): a changed stage holds at
/// least <paramref name="DwellMinutes"/> before the next change; a trigger's gauge silent for
/// <paramref name="StaleAfterMinutes"/> is stale, and while it is the stage stays at least where it
/// was (<paramref name="StaleStage"/> null: hold) or at least <paramref name="StaleStage"/>.</summary>
public sealed record StageGaugeRules(int DwellMinutes, int StaleAfterMinutes, int? StaleStage);

public sealed record ShortageStage(int Stage, StageTrigger? Trigger, ImmutableHashSet<UseClass> Curtails);

/// <summary>A zone (feeder, pipe branch) with an aggregate capacity; over capacity, discretionary
/// channels are shed in rotation, slot by slot, within MaxSpreadMinutes of each other.</summary>
public sealed record Zone(string Id, Resource Resource, long CapacityPerMinute, ImmutableArray<string> Households,
    int RotationSlotMinutes, int MaxSpreadMinutes);
