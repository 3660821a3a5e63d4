using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Policy;

/// <summary>Allowances from cap, floors and sharing rule, in exact integer arithmetic:
/// 1. floors first: each household gets persons x floor, even when the floors exceed the cap;
/// 2. the rest of the cap is split by weight (1 per household, or persons) with the largest-remainder
///    method, so the shares sum exactly to what is distributed;
/// 3. a ceiling clamps a household; what it could not take is split again among the others
///    (water-filling) until nobody is over; what no one can take is reported as unallocated.</summary>
public static class AllowanceCalculator
{
    public static AllowanceTable Compute(CommunityPolicy policy, Resource resource)
    {
        var rp = policy.Resource(resource);
        var hs = policy.Households;
        var floors = hs.Select(h => checked(h.Persons * rp.FloorPerPersonPerPeriod)).ToArray();
        var totalFloors = floors.Aggregate(0L, (a, b) => checked(a + b));
        var shortfall = Math.Max(0, totalFloors - rp.CapPerPeriod);
        var distributable = Math.Max(0, rp.CapPerPeriod - totalFloors);
        var weights = hs.Select(h => rp.Sharing == SharingRule.PerPerson ? (long)h.Persons : 1L).ToArray();
        var room = floors.Select(f => rp.CeilingPerHouseholdPerPeriod is { } c ? c - f : long.MaxValue).ToArray();
        var shares = WaterFill(distributable, weights, room);
        var allocated = shares.Aggregate(0L, (a, b) => checked(a + b));
        return new AllowanceTable(resource, rp.Period, rp.CapPerPeriod, shortfall, distributable - allocated,
            [.. hs.Select((h, i) => new HouseholdAllowance(h.Id, h.Persons, floors[i], shares[i]))]);
    }

    /// <summary>Splits <paramref name="amount"/> by weight, no one above its room; returns the shares.</summary>
    internal static long[] WaterFill(long amount, long[] weights, long[] room)
    {
        var n = weights.Length;
        var shares = new long[n];
        var clamped = new bool[n];
        while (true)
        {
            var active = Enumerable.Range(0, n).Where(i => !clamped[i]).ToArray();
            var pool = amount - Enumerable.Range(0, n).Where(i => clamped[i]).Sum(i => shares[i]);
            if (active.Length == 0 || pool <= 0) return shares;
            var split = LargestRemainder(pool, [.. active.Select(i => weights[i])]);
            var over = false;
            for (var j = 0; j < active.Length; j++)
            {
                var i = active[j];
                shares[i] = split[j];
                if (shares[i] > room[i]) { shares[i] = room[i]; clamped[i] = true; over = true; }
            }
            if (!over) return shares;
        }
    }

    /// <summary>Hamilton's largest-remainder method: floor(amount x w / W) each, then the leftover units
    /// one by one to the largest remainders (ties to the earlier household: a stable, stated order).
    /// The result sums to <paramref name="amount"/> exactly. Int128 keeps amount x w exact.</summary>
    internal static long[] LargestRemainder(long amount, long[] weights)
    {
        var total = weights.Sum();
        if (total == 0) throw new ArgumentException("weights sum to zero", nameof(weights));
        var result = new long[weights.Length];
        var remainders = new Int128[weights.Length];
        long given = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            var exact = (Int128)amount * weights[i];
            result[i] = (long)(exact / total);
            remainders[i] = exact % total;
            given += result[i];
        }
        foreach (var i in Enumerable.Range(0, weights.Length).OrderByDescending(i => remainders[i]).ThenBy(i => i).Take((int)(amount - given)))
            result[i]++;
        return result;
    }
}
