namespace Commons.Metering.Gateway.Policy;

public enum DecisionKind { Allowed, Curtailed, Tripped }

/// <summary>Why a channel is curtailed. Safety trips are not here: they are
/// <see cref="DecisionKind.Tripped"/> with a <see cref="SafetyReason"/>.</summary>
public enum CurtailReason { None, Stage, Breaker, Restriction, Throttle, Quota, Rotation }

/// <summary>The only reasons that may cut an essential channel under its floor (docs/design.md rule 1).</summary>
public enum SafetyReason { Leak, Burst, Overcurrent, Tamper }

/// <summary>What the engine knows about one channel at one moment.</summary>
/// <param name="RotationShed">The zone's rotation sheds this household in the current slot.</param>
/// <param name="SafetyTrip">An open safety breaker on this channel, if any.</param>
/// <param name="BreakerCurtails">What an open resource breaker curtails (an ordered set), null when closed.</param>
public sealed record ChannelContext(UseClass Use, int Stage, AllowanceStatus Allowance, DateTimeOffset Now,
    bool RotationShed = false, SafetyReason? SafetyTrip = null, IReadOnlySet<UseClass>? BreakerCurtails = null);

/// <param name="Protected">True when the floor or friendly hours shielded an essential channel.</param>
/// <param name="Sanction">The household's sanction level, for notices and warnings even when allowed.</param>
public sealed record ChannelDecision(DecisionKind Kind, CurtailReason Reason, SafetyReason? Safety, SanctionLevel Sanction, bool Protected)
{
    public bool IsCut => Kind != DecisionKind.Allowed;
}

/// <summary>The per-channel decision: allowed, curtailed (with the reason) or tripped (safety).
/// Pure: same inputs, same answer.</summary>
public static class Curtailment
{
    public static ChannelDecision Decide(ResourcePolicy rp, TimeSpan utcOffset, ChannelContext c)
    {
        var sanction = SanctionFor(rp.Sanctions, c.Allowance);
        if (c.SafetyTrip is { } trip) return new(DecisionKind.Tripped, CurtailReason.None, trip, sanction, false);

        // Basic needs first: nothing below this line may cut an essential channel under its floor,
        // nor one inside friendly hours.
        if (c.Use == UseClass.Essential && (c.Allowance.UnderFloor || InFriendlyHours(rp, utcOffset, c.Now)))
            return new(DecisionKind.Allowed, CurtailReason.None, null, sanction, true);

        var reason = CurtailReason.None;
        if (rp.CurtailedAt(c.Stage).Contains(c.Use)) reason = CurtailReason.Stage;
        else if (c.BreakerCurtails?.Contains(c.Use) == true) reason = CurtailReason.Breaker;
        else if (sanction == SanctionLevel.Restriction && rp.Sanctions.RestrictionCurtails.Contains(c.Use)) reason = CurtailReason.Restriction;
        else if (sanction >= SanctionLevel.Throttle && rp.Sanctions.ThrottleCurtails.Contains(c.Use)) reason = CurtailReason.Throttle;
        else if (c.Allowance.Exhausted && rp.QuotaCurtails.Contains(c.Use)) reason = CurtailReason.Quota;
        else if (c.RotationShed && c.Use == UseClass.Discretionary) reason = CurtailReason.Rotation;

        return reason == CurtailReason.None
            ? new(DecisionKind.Allowed, CurtailReason.None, null, sanction, false)
            : new(DecisionKind.Curtailed, reason, null, sanction, false);
    }

    /// <summary>The highest sanction whose threshold (percent of allowance) the usage has reached.</summary>
    public static SanctionLevel SanctionFor(Sanctions s, AllowanceStatus a)
    {
        if (a.Used == 0) return SanctionLevel.None;
        var pct = a.PercentUsed;
        return pct >= s.RestrictionPercent ? SanctionLevel.Restriction
            : pct >= s.ThrottlePercent ? SanctionLevel.Throttle
            : pct >= s.WarningPercent ? SanctionLevel.Warning
            : pct >= s.NoticePercent ? SanctionLevel.Notice
            : SanctionLevel.None;
    }

    public static bool InFriendlyHours(ResourcePolicy rp, TimeSpan utcOffset, DateTimeOffset now)
    {
        var local = TimeOnly.FromTimeSpan(now.ToOffset(utcOffset).TimeOfDay);
        return rp.FriendlyHours.Any(w => w.Contains(local));
    }
}
