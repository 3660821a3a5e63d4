using System.Collections.Immutable;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Policy;

/// <summary>docs/design.md rules 1 and 2 with an open resource breaker in the decision (ChannelContext.BreakerCurtails),
/// over generated policies, usage, stages and breaker class sets.</summary>
public sealed class BreakerCurtailmentProperties
{
    private const int Iterations = 400;

    private static readonly Gen<(CommunityPolicy Policy, string Household, long Used, int Stage, DateTimeOffset Now, bool Rotation, ImmutableHashSet<UseClass> Breaker)> Case =
        from p in PolicyGen.Policy
        from h in Gen.Int[0, p.Households.Length - 1]
        from usedFraction in Gen.Int[0, 3000]
        from stage in Gen.Int[0, 3]
        from minute in Gen.Int[0, 24 * 60 - 1]
        from rotation in Gen.Bool
        from upTo in Gen.Int[0, 2]
        let allowance = AllowanceCalculator.Compute(p, Resource.Water).Households[h].Allowance
        select (p, p.Households[h].Id, allowance * usedFraction / 1000, stage,
            new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(minute), rotation, ShedOrder.UpTo((UseClass)upTo));

    private static ChannelDecision Decide(CommunityPolicy p, string h, long used, UseClass use, int stage, DateTimeOffset now, bool rotation,
        IReadOnlySet<UseClass>? breaker)
    {
        var status = AllowanceCalculator.Compute(p, Resource.Water).Status(h, used);
        return Curtailment.Decide(p.Resource(Resource.Water), p.UtcOffset, new ChannelContext(use, stage, status, now, rotation, null, breaker));
    }

    [Fact]
    public void EssentialUnderItsFloor_IsNeverCutByAnOpenResourceBreaker_WhateverItCurtails()
    {
        var underFloor =
            from c in Case
            let floor = AllowanceCalculator.Compute(c.Policy, Resource.Water).For(c.Household).FloorAmount
            where floor > 0
            from used in Gen.Long[0, floor - 1]
            select c with { Used = used };
        underFloor.Sample(c =>
        {
            var d = Decide(c.Policy, c.Household, c.Used, UseClass.Essential, c.Stage, c.Now, c.Rotation, c.Breaker);
            Assert.Equal((DecisionKind.Allowed, true), (d.Kind, d.Protected));
        }, iter: Iterations);
    }

    [Fact]
    public void OpenBreaker_CutsOnlyItsClasses_InTheSheddingOrder_AndNeverAllowsWhatItWouldCutClosed()
    {
        Case.Sample(c =>
        {
            ChannelDecision D(UseClass u, IReadOnlySet<UseClass>? b) => Decide(c.Policy, c.Household, c.Used, u, c.Stage, c.Now, c.Rotation, b);
            foreach (var u in Enum.GetValues<UseClass>())
            {
                var open = D(u, c.Breaker);
                if (open.Reason == CurtailReason.Breaker) Assert.Contains(u, c.Breaker);
                if (D(u, null).IsCut) Assert.True(open.IsCut, $"{u}: cut with the breaker closed, allowed with it open");
            }
            if (D(UseClass.Essential, c.Breaker).IsCut) Assert.True(D(UseClass.Standard, c.Breaker).IsCut);
            if (D(UseClass.Standard, c.Breaker).IsCut) Assert.True(D(UseClass.Discretionary, c.Breaker).IsCut);
        }, iter: Iterations);
    }
}
