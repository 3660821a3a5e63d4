using System.Collections.Immutable;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>CsCheck generators of valid policies (the shapes the loader accepts), for property tests.</summary>
internal static class PolicyGen
{
    public static readonly Gen<UseClass> Use = Gen.Enum<UseClass>();

    /// <summary>A downward-closed set of curtailed classes: nothing, D, D+S or D+S+E.</summary>
    public static readonly Gen<ImmutableHashSet<UseClass>> OrderedSet =
        Gen.Int[-1, 2].Select(n => n < 0 ? ImmutableHashSet<UseClass>.Empty : ShedOrder.UpTo((UseClass)n));

    public static readonly Gen<Household> Household =
        Gen.Select(Gen.Int[1, 12], Use.Array[1, 4]).Select((persons, uses) =>
            new Household("h", persons, [new Meter("m", Resource.Water, [.. uses.Select((u, i) => new Channel($"c{i}", u))])]));

    /// <summary>Stages 1-3 whose curtailment only grows.</summary>
    public static readonly Gen<ImmutableArray<ShortageStage>> Stages =
        Gen.Int[-1, 2].Array[3].Select(levels =>
        {
            Array.Sort(levels);
            return levels.Select((l, i) => new ShortageStage(i + 1, null,
                l < 0 ? [] : ShedOrder.UpTo((UseClass)l))).ToImmutableArray();
        });

    public static readonly Gen<Sanctions> Sanctions =
        Gen.Int[1, 150].Array[4].Select(OrderedSet, OrderedSet, (p, a, b) =>
        {
            Array.Sort(p);
            var (small, big) = a.IsSubsetOf(b) ? (a, b) : (b, a.Union(b));
            return new Sanctions(p[0], p[1], p[2], p[3], small, big);
        });

    public static Gen<CommunityPolicy> Policy { get; } =
        from households in Household.Array[1, 8]
        from floor in Gen.Long[0, 100_000]
        from cap in Gen.Long[0, 5_000_000]
        from sharing in Gen.Enum<SharingRule>()
        from ceilingExtra in Gen.Long[0, 400_000]
        from hasCeiling in Gen.Bool
        from quota in OrderedSet
        from sanctions in Sanctions
        from stages in Stages
        from friendly in Gen.Select(Gen.Int[0, 23], Gen.Int[1, 6]).Array[0, 2]
        select Build(households, floor, cap, sharing, hasCeiling ? ceilingExtra : null, quota, sanctions, stages, friendly);

    private static CommunityPolicy Build(Household[] households, long floor, long cap, SharingRule sharing, long? ceilingExtra,
        ImmutableHashSet<UseClass> quota, Sanctions sanctions, ImmutableArray<ShortageStage> stages, (int Start, int Hours)[] friendly)
    {
        var hs = households.Select((h, i) => h with { Id = $"h{i:00}", Meters = [h.Meters[0] with { Id = $"m{i:00}" }] }).ToImmutableArray();
        // A ceiling is valid only at or above the largest household floor (the loader enforces it).
        long? ceiling = ceilingExtra is { } e ? hs.Max(h => h.Persons * floor) + e : null;
        var windows = friendly.Select(f => new TimeWindow(new TimeOnly(f.Start, 0), new TimeOnly((f.Start + f.Hours) % 24, 0))).ToImmutableArray();
        var water = new ResourcePolicy(Resource.Water, PolicyPeriod.Day, cap, floor, sharing, ceiling, windows, quota, sanctions,
            new SafetyLimits(null, null), stages);
        return new CommunityPolicy(1, "gen", "gen.yaml", new Council(1, ["c1"]), TimeSpan.Zero, TimeSpan.FromHours(72),
            hs, [], ImmutableDictionary<Resource, ResourcePolicy>.Empty.Add(Resource.Water, water), []);
    }
}
