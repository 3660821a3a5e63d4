using System.Collections.Immutable;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>docs/design.md rules 1 and 2 as properties over generated policies and usage.</summary>
public sealed class CurtailmentProperties
{
    private const int Iterations = 400;

    /// <summary>A policy, one of its households, its usage so far and everything else a decision sees.</summary>
    private static readonly Gen<(CommunityPolicy Policy, string Household, long Used, UseClass Use, int Stage, DateTimeOffset Now, bool Rotation)> Case =
        from p in PolicyGen.Policy
        from h in Gen.Int[0, p.Households.Length - 1]
        from usedFraction in Gen.Int[0, 3000] // per mille of the allowance: up to 3x over
        from use in PolicyGen.Use
        from stage in Gen.Int[0, 3]
        from minute in Gen.Int[0, 24 * 60 - 1]
        from rotation in Gen.Bool
        let allowance = AllowanceCalculator.Compute(p, Resource.Water).Households[h].Allowance
        select (p, p.Households[h].Id, allowance * usedFraction / 1000, use, stage,
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minute), rotation);

    private static ChannelDecision Decide(CommunityPolicy p, string h, long used, UseClass use, int stage, DateTimeOffset now, bool rotation, SafetyReason? trip = null)
    {
        var status = AllowanceCalculator.Compute(p, Resource.Water).Status(h, used);
        return Curtailment.Decide(p.Resource(Resource.Water), p.UtcOffset, new ChannelContext(use, stage, status, now, rotation, trip));
    }

    [Fact]
    public void EssentialUnderItsFloor_IsNeverCutByQuotaStageSanctionOrRotation()
    {
        var underFloor =
            from c in Case
            let floor = AllowanceCalculator.Compute(c.Policy, Resource.Water).For(c.Household).FloorAmount
            where floor > 0
            from used in Gen.Long[0, floor - 1]
            select c with { Used = used, Use = UseClass.Essential };
        underFloor.Sample(c =>
        {
            var d = Decide(c.Policy, c.Household, c.Used, c.Use, c.Stage, c.Now, c.Rotation);
            Assert.Equal(DecisionKind.Allowed, d.Kind);
            Assert.True(d.Protected);
        }, iter: Iterations);
    }

    [Fact]
    public void SafetyTrip_AlwaysTrips_WithItsOwnReason_WhateverElseHolds()
    {
        Gen.Select(Case, Gen.Enum<SafetyReason>()).Sample((c, trip) =>
        {
            var d = Decide(c.Policy, c.Household, c.Used, c.Use, c.Stage, c.Now, c.Rotation, trip);
            Assert.Equal((DecisionKind.Tripped, (SafetyReason?)trip, CurtailReason.None), (d.Kind, d.Safety, d.Reason));
        }, iter: Iterations);
    }

    [Fact]
    public void HigherStage_NeverAllowsWhatALowerStageCut()
    {
        Case.Sample(c =>
        {
            for (var s = 0; s < 3; s++)
                if (Decide(c.Policy, c.Household, c.Used, c.Use, s, c.Now, c.Rotation).IsCut)
                    Assert.True(Decide(c.Policy, c.Household, c.Used, c.Use, s + 1, c.Now, c.Rotation).IsCut, $"cut at stage {s}, allowed at {s + 1}");
        }, iter: Iterations);
    }

    [Fact]
    public void EveryDecision_CutsDiscretionaryBeforeStandardBeforeEssential()
    {
        Case.Sample(c =>
        {
            bool Cut(UseClass u) => Decide(c.Policy, c.Household, c.Used, u, c.Stage, c.Now, c.Rotation).IsCut;
            if (Cut(UseClass.Essential)) Assert.True(Cut(UseClass.Standard));
            if (Cut(UseClass.Standard)) Assert.True(Cut(UseClass.Discretionary));
            var rp = c.Policy.Resource(Resource.Water);
            Assert.True(ShedOrder.IsOrdered(rp.CurtailedAt(c.Stage)));
            if (c.Stage < 3) Assert.True(rp.CurtailedAt(c.Stage).IsSubsetOf(rp.CurtailedAt(c.Stage + 1)));
        }, iter: Iterations);
    }

    /// <summary>The loader is what keeps real policies inside the generator's shapes: any stage list
    /// that is not nested and ordered is refused, any that is, accepted.</summary>
    [Fact]
    public void Loader_AcceptsStageListsExactlyWhenNestedAndOrdered()
    {
        var anySet = Gen.Bool.Array[3].Select(b => Enum.GetValues<UseClass>().Where((_, i) => b[i]).ToImmutableHashSet());
        anySet.Array[3].Sample(sets =>
        {
            var yaml = PolicyFiles.Village;
            var at = yaml.IndexOf("    stages:\n      - stage: 1", StringComparison.Ordinal);
            var end = yaml.IndexOf("  energy:", StringComparison.Ordinal);
            var stages = "    stages:\n" + string.Concat(sets.Select((s, i) =>
                $"      - stage: {i + 1}\n        curtails: [{string.Join(", ", s.Select(u => u.ToString().ToLowerInvariant()))}]\n"));
            var r = PolicyLoader.Parse(yaml[..at] + stages + yaml[end..], "v.yaml");
            var valid = sets.All(ShedOrder.IsOrdered) && sets[0].IsSubsetOf(sets[1]) && sets[1].IsSubsetOf(sets[2]);
            Assert.True(valid == r.Ok, string.Join("\n", r.Errors));
        }, iter: 200);
    }
}
