namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>The zone breaker (per zone: aggregate over capacity: shed discretionary channels in
/// rotation) at the runtime level with a fake clock: three households of a 100 Wh/min feeder, fridges
/// essential, heaters discretionary, obeying their relays.</summary>
public sealed class CommonsZoneBreakerTests
{
    private static readonly string Yaml = EnergyHouseholds.FeederPolicy(households: 3, capacityPerMinute: 100);

    private static readonly string[] Ids = ["h1", "h2", "h3"];

    private static EnergyHouseholds Households(CommonsHarness h) =>
        new(h, [.. Ids.Select(i => ("e-" + i, new[] { "fridge", "heater" }))]);

    [Fact]
    public async Task ZoneOverCapacity_OpensItsBreaker_ShedsHeatersInRotation_AndOneBadProbeDoesNotReopenIt()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        // Heaters of 40 Wh/min and fridges of 5 on a 100 Wh/min feeder for half an hour (135 > 100), then 10.
        long Load(int minute, string meter, string channel) => channel == "fridge" ? 5 : minute < 30 ? 40 : 10;

        await village.RunAsync(17, Load);
        var zone = h.Runtime.Breakers().Single(b => b.Id == "zone:feeder");
        Assert.Equal(("zone", "open", null, null), (zone.Scope, zone.State, zone.Meter, zone.Channel));
        Assert.Contains("over capacity 100 Wh/min", zone.Reason);
        Assert.Equal(1, h.Runtime.Overview().OpenBreakers);
        var cut = Ids.Where(i => village.RelayOpen("e-" + i, "heater")).ToList();
        Assert.Single(cut); // 135 - 40 fits: one heater per slot
        Assert.Equal("curtailed: rotation", h.Runtime.Household(cut[0])!.Resources.Single().Channels.Single(c => c.Channel == "heater").Reason);

        // 00:30 probes the slot still at 135 Wh/min: bad, but one flaky probe does not re-open it; the
        // rotation goes on. From 00:30 the heaters draw 10: 00:45, 01:00, 01:15 are good probes.
        await village.RunAsync(60, Load);
        Assert.Equal("closed", h.Runtime.Breakers().Single(b => b.Id == "zone:feeder").State);
        Assert.Equal(["breaker.opened", "breaker.half_open", "breaker.closed"], EnergyHouseholds.BreakerKinds(h, "zone:feeder"));
        Assert.All(Ids, i => Assert.False(village.RelayOpen("e-" + i, "heater"), $"{i}'s heater released after the breaker closed"));
        Assert.All(Ids, i => Assert.DoesNotContain(h.SentTo("e-" + i), c => c is { Op: "relay", Channel: "fridge" }));
        Assert.True(Ids.Count(i => h.Runtime.Household(i)!.Resources.Single().CurtailedMinutes > 0) >= 2, "the shedding rotated");
        Assert.True(h.Runtime.VerifyAudit().Ok);
    }

    [Fact]
    public async Task OneMeterAloneOverTheFeeder_OpensNothing_ASecondHouseholdOverItDoes()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        // h1 reports a 150 Wh/min heater (9 kW: possible, true or forged) beside two fridges: 165 > 100, but by h1's word alone.
        await village.RunAsync(17, (_, meter, ch) => ch == "fridge" ? 5 : meter == "e-h1" ? 150 : 0);
        Assert.Equal("closed", h.Runtime.Breakers().Single(b => b.Id == "zone:feeder").State);
        Assert.All(Ids, i => Assert.DoesNotContain(h.SentTo("e-" + i), c => c.Op == "relay"));
        // h2's heater joins with 60: h1's share counts as far as h2's backs it, 60 + 65 + 5 + 5 > 100.
        await village.RunAsync(16, (_, meter, ch) => ch == "fridge" ? 5 : meter == "e-h1" ? 150 : meter == "e-h2" ? 60 : 0);
        Assert.Equal("breaker.opened", EnergyHouseholds.BreakerKinds(h, "zone:feeder")[0]);
    }

    [Fact]
    public async Task ZoneBreakerClosed_ShedsNothing_WhileTheFeederIsWithinCapacity()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        await village.RunAsync(50, (_, _, ch) => ch == "fridge" ? 5 : 25); // 90 Wh/min on a 100 feeder
        Assert.Equal("closed", h.Runtime.Breakers().Single(b => b.Id == "zone:feeder").State);
        Assert.Empty(EnergyHouseholds.BreakerKinds(h, "zone:feeder"));
        Assert.All(Ids, i => Assert.DoesNotContain(h.SentTo("e-" + i), c => c.Op == "relay"));
    }

    [Fact]
    public async Task TechnicianReset_ClosesTheZoneBreaker_AndReleasesTheShedHeaterAtOnce()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        await village.RunAsync(17, (_, _, ch) => ch == "fridge" ? 5 : 40);
        var cut = Assert.Single(Ids, i => village.RelayOpen("e-" + i, "heater"));
        Assert.Equal("no breaker 'zone:nope'", h.Runtime.ResetBreaker("tess", "zone:nope").Refusal);
        Assert.True(h.Runtime.ResetBreaker("tess", "zone:feeder").Accepted);
        await h.StepAsync();
        Assert.Equal("closed", h.Runtime.Breakers().Single(b => b.Id == "zone:feeder").State);
        Assert.False(village.RelayOpen("e-" + cut, "heater"));
        Assert.Equal("breaker.reset", EnergyHouseholds.BreakerKinds(h, "zone:feeder")[^1]);
        Assert.False(h.Runtime.ResetBreaker("tess", "zone:feeder").Accepted); // closed: nothing to reset
    }

    [Fact]
    public async Task CouncilActivatedPolicy_KeepsTheZoneBreaker_AndTheRotationMinutes()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        await village.RunAsync(32, (_, _, ch) => ch == "fridge" ? 5 : 40);
        var minutes = Ids.Select(i => h.Runtime.Household(i)!.Resources.Single().CurtailedMinutes).ToList();
        Assert.Equal(30, minutes.Sum());
        var since = h.Runtime.Breakers().Single(b => b.Id == "zone:feeder").Since;
        // The same feeder with 10 % more capacity.
        var proposal = h.Runtime.Propose("amina", EnergyHouseholds.FeederPolicy(households: 3, capacityPerMinute: 110), h.Time.GetUtcNow());
        Assert.True(proposal.Accepted, proposal.Refusal);
        await h.StepAsync();
        Assert.Contains("policy.activated", h.AuditKinds());
        Assert.Equal(minutes, Ids.Select(i => h.Runtime.Household(i)!.Resources.Single().CurtailedMinutes));
        var zone = h.Runtime.Breakers().Single(b => b.Id == "zone:feeder");
        Assert.Equal(("half_open", since), (zone.State, zone.Since)); // the same breaker, its 00:30 bad probe tolerated
    }

    [Fact]
    public async Task Restart_KeepsTheOpenZoneBreaker_AndEveryHouseholdsRotationMinutes()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        long Heavy(int minute, string meter, string channel) => channel == "fridge" ? 5 : 40;
        await village.RunAsync(52, Heavy); // slots at 00:15, 00:30, 00:45: three households shed once each
        var minutes = Ids.ToDictionary(i => i, i => h.Runtime.Household(i)!.Resources.Single().CurtailedMinutes);
        Assert.Equal([15L, 15L, 15L], minutes.Values);
        var before = h.Runtime.Breakers().Single(b => b.Id == "zone:feeder");
        Assert.NotEqual("closed", before.State);
        var records = h.Runtime.Audit(100_000).Count;

        await h.RestartAsync();
        Assert.Equal(minutes, Ids.ToDictionary(i => i, i => h.Runtime.Household(i)!.Resources.Single().CurtailedMinutes));
        var after = h.Runtime.Breakers().Single(b => b.Id == "zone:feeder");
        Assert.Equal((before.State, before.Since, before.Reason), (after.State, after.Since, after.Reason));
        Assert.Equal(records, h.Runtime.Audit(100_000).Count); // restoring audits nothing new

        // The rotation goes on from the restored minutes: the spread stays within one slot.
        village = Households(h);
        await village.RunAsync(45, Heavy);
        var lost = Ids.Select(i => h.Runtime.Household(i)!.Resources.Single().CurtailedMinutes).ToList();
        Assert.True(lost.Sum() > minutes.Values.Sum(), "rotation continued after the restart");
        Assert.InRange(lost.Max() - lost.Min(), 0, 15);
        Assert.True(h.Runtime.VerifyAudit().Ok);
    }
}
