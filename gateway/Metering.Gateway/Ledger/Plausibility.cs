using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>Bounds on how fast a register may rise, per unit (docs/protocol.md, "Plausibility"). A
/// register rise above the bound over the time between the two readings is no use anybody could have
/// had: a forged reading, a fault, a swapped or reflashed meter. The ledger keeps such a reading as
/// evidence, flagged <c>implausible_rate</c>, with zero usage and the baseline unchanged; it feeds no
/// allowance, zone or community breaker until the following reading confirms it (UsageRules).
///
/// The gateway does not know a device's rated flow or power today, so these per-unit defaults apply
/// to every meter; each is above what one household connection can physically draw, so a true
/// reading is never held.</summary>
public static class Plausibility
{
    /// <summary>100 L/min: above the overload flow Q4 of a DN20 household water meter (ISO 4064-1 /
    /// EN 14154: Q3 = 4 m3/h, Q4 = 1.25 x Q3 = 5 m3/h = 83 L/min).</summary>
    public const long MaxWaterMlPerMinute = 100_000;

    /// <summary>50 kW: above a 3-phase 63 A household connection at 400 V (sqrt(3) x 400 V x 63 A = 43.6 kW,
    /// IEC 60038 voltage, the largest common main fuse).</summary>
    public const long MaxEnergyWatts = 50_000;

    /// <summary>5 t per booking: a full tractor trailer of firewood (a forest reading is one weighed load).</summary>
    public const long MaxForestGramsPerReading = 5_000_000;

    /// <summary>Readings closer than this are judged over this span: a device may send two readings a
    /// second apart after an outage, each with the rise of a whole minute (its reading interval).</summary>
    public const long MinSpanMs = 60_000;

    /// <summary>The largest rise of a register of this resource over <paramref name="elapsedMs"/> that
    /// is physically possible.</summary>
    public static long MaxRise(Resource resource, long elapsedMs)
    {
        var span = (Int128)Math.Max(elapsedMs, MinSpanMs);
        var max = resource switch
        {
            Resource.Water => span * MaxWaterMlPerMinute / 60_000,
            Resource.Energy => span * MaxEnergyWatts / 3_600_000, // W x h = Wh
            Resource.Forest => MaxForestGramsPerReading,
            _ => throw new ArgumentOutOfRangeException(nameof(resource), resource, null),
        };
        return max > long.MaxValue ? long.MaxValue : (long)max;
    }

    /// <summary>Whether a rise of <paramref name="usage"/> base units over <paramref name="elapsedMs"/> is possible.</summary>
    public static bool IsPlausible(Resource resource, long usage, long elapsedMs) => usage <= MaxRise(resource, elapsedMs);
}
