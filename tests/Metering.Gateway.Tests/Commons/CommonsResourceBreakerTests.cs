using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Telemetry;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>The resource breaker (resources.X.breaker in the policy) at the runtime
/// level with a fake clock: a mini-grid of 50 Wh/min, h1 above its 500 Wh floor (fridge, lights, heater),
/// h2 under its floor (a fridge only), h3 a heater; the breaker curtails every class while open, which
/// the floor still overrides for h2's fridge. It acts only on a use more than one device reports
/// (Commons/Corroboration.cs): h1's heater alone over the supply opens nothing, h1's and h3's together do.</summary>
public sealed class CommonsResourceBreakerTests
{
    private const string Yaml = """
        version: 1
        community: testville
        council: { k: 1, members: [amina] }
        households:
          - { id: h1, persons: 1, meters: [{ id: e-h1, resource: energy, channels: [{ id: fridge, use: essential }, { id: lights, use: standard }, { id: heater, use: discretionary }] }] }
          - { id: h2, persons: 1, meters: [{ id: e-h2, resource: energy, channels: [{ id: fridge, use: essential }] }] }
          - { id: h3, persons: 1, meters: [{ id: e-h3, resource: energy, channels: [{ id: heater, use: discretionary }] }] }
        resources:
          energy:
            period: month
            cap: 100_000_000
            floor_per_person: 500
            sharing: per_household
            breaker: { capacity_per_minute: 50, window_minutes: 15, curtails: [discretionary, standard, essential] }
        """;

    private static EnergyHouseholds Households(CommonsHarness h) =>
        new(h, ("e-h1", ["fridge", "lights", "heater"]), ("e-h2", ["fridge"]), ("e-h3", ["heater"]));

    /// <summary>h1 draws 5 + 10 + 60 Wh/min while the heaters are wanted, h2's fridge 2, h3's heater 40
    /// (<paramref name="h3Heater"/>: 0 = h3 draws nothing).</summary>
    private static Func<int, string, string, long> Load(int heaterUntil, long h3Heater = 40) => (minute, meter, channel) => (meter, channel) switch
    {
        ("e-h2", _) => 2,
        ("e-h3", _) => minute < heaterUntil ? h3Heater : 0,
        (_, "fridge") => 5,
        (_, "lights") => 10,
        _ => minute < heaterUntil ? 60 : 0,
    };

    private static string Decision(CommonsHarness h, string household, string channel) =>
        h.Runtime.Household(household)!.Resources.Single().Channels.Single(c => c.Channel == channel).Decision;

    [Fact]
    public async Task CurtailedMinutes_CountTheBreakersCut_NotOnlyZoneRotation()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        await village.RunAsync(14, Load(heaterUntil: 100));
        Assert.Equal("curtailed", Decision(h, "h1", "heater"));
        var minutes = h.Runtime.Household("h1")!.Resources.Single().CurtailedMinutes;
        // The devices' own count: minutes the heater wanted power and its relay was open (the relay
        // opens a moment after the decision, so the runtime's count may be one minute ahead).
        var cut = village.CutMinutes.GetValueOrDefault("e-h1/heater");
        Assert.True(cut > 0, "the breaker cut the heater");
        Assert.InRange(minutes, cut, cut + 1);
        // h2's fridge is under its floor: never cut, no minutes.
        Assert.Equal(0, h.Runtime.Household("h2")!.Resources.Single().CurtailedMinutes);
    }

    [Fact]
    public async Task OneDeviceAloneOverTheSupply_OpensNothing_TwoHouseholdsOverItDo()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        // h1 alone reports 75 Wh/min on a 50 Wh/min supply (true or forged at a possible rate): not corroborated.
        await village.RunAsync(30, Load(heaterUntil: 30, h3Heater: 0));
        Assert.Equal("closed", h.Runtime.Breakers().Single(b => b.Id == "resource:energy").State);
        Assert.DoesNotContain(h.SentTo("e-h2"), c => c.Op == "relay");
        Assert.Equal("allowed", Decision(h, "h1", "heater"));
        // h3's heater joins with 40 Wh/min: h1's 75 counts as far as h3's 40 backs it, 40 + 40 + 2 > 50.
        await village.RunAsync(15, Load(heaterUntil: int.MaxValue, h3Heater: 40));
        Assert.Equal("breaker.opened", EnergyHouseholds.BreakerKinds(h, "resource:energy")[0]);
        var opened = h.Runtime.Audit(100_000).Last(r => r.Kind == "breaker.opened" && r.PayloadJson.Contains("resource:energy", StringComparison.Ordinal));
        Assert.Contains("from 3 devices", opened.PayloadJson);
        Assert.True(village.CutMinutes.GetValueOrDefault("e-h3/heater") > 0, "h3's heater was cut");
    }

    [Fact]
    public async Task UseOverTheSupply_OpensTheBreaker_CutsItsClasses_ButNeverAnEssentialUnderItsFloor()
    {
        using var metrics = new MeterExporter();
        await using var h = new CommonsHarness(Yaml, metrics: metrics);
        await h.StartAsync();
        var village = Households(h);
        await village.RunAsync(14, Load(heaterUntil: 14));
        var breaker = h.Runtime.Breakers().Single(b => b.Id == "resource:energy");
        Assert.Equal(("resource", "open"), (breaker.Scope, breaker.State));
        Assert.Contains("capacity 50 Wh/min", breaker.Reason);
        foreach (var ch in new[] { "fridge", "lights", "heater" })
        {
            Assert.True(village.RelayOpen("e-h1", ch), $"h1/{ch} is cut");
            Assert.Equal("curtailed", Decision(h, "h1", ch));
        }
        Assert.StartsWith("curtailed: energy breaker open (use ", h.Runtime.Household("h1")!.Resources.Single().Channels[0].Reason);
        var h2 = h.Runtime.Household("h2")!.Resources.Single();
        Assert.True(h2.UnderFloor);
        Assert.Equal(("allowed", "allowed: basic need protected"), (h2.Channels[0].Decision, h2.Channels[0].Reason));
        Assert.DoesNotContain(h.SentTo("e-h2"), c => c.Op == "relay");

        var text = await metrics.ToTextAsync();
        Assert.Contains("metering_policy_breakers_not_closed{scope=\"resource\",state=\"open\"} 1", text);
        Assert.Contains("metering_policy_breaker_transitions_total{scope=\"resource\",kind=\"opened\"} 1", text);
    }

    [Fact]
    public async Task HalfOpen_LetsTheLoadBack_AndThreeGoodWindowsCloseIt()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        await village.RunAsync(14, Load(heaterUntil: 14));
        Assert.Equal("open", h.Runtime.Breakers().Single(b => b.Id == "resource:energy").State);
        // The heater stays off from now on: 17 Wh/min. Half-open after 5 min lets fridge and lights back;
        // each 15-min window of it is a good probe; the third closes the breaker.
        await village.RunAsync(6, Load(heaterUntil: 0));
        Assert.Equal("half_open", h.Runtime.Breakers().Single(b => b.Id == "resource:energy").State);
        Assert.False(village.RelayOpen("e-h1", "lights"), "half-open lets the load back");
        await village.RunAsync(45, Load(heaterUntil: 0));
        Assert.Equal("closed", h.Runtime.Breakers().Single(b => b.Id == "resource:energy").State);
        Assert.Equal(["breaker.opened", "breaker.half_open", "breaker.closed"], EnergyHouseholds.BreakerKinds(h, "resource:energy"));
        Assert.Equal("allowed", Decision(h, "h1", "heater"));
    }

    [Fact]
    public async Task HalfOpen_OneWindowOverTheSupplyIsTolerated_ASecondReopensWithADoubledCooldown()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        // The heater is wanted all along: once let back, every probe window is over the supply.
        await village.RunAsync(14 + 5 + 15 + 1, Load(heaterUntil: int.MaxValue));
        Assert.Equal("half_open", h.Runtime.Breakers().Single(b => b.Id == "resource:energy").State);
        await village.RunAsync(15, Load(heaterUntil: int.MaxValue));
        var b = h.Runtime.Breakers().Single(x => x.Id == "resource:energy");
        Assert.Equal("open", b.State);
        Assert.Equal(["breaker.opened", "breaker.half_open", "breaker.opened"], EnergyHouseholds.BreakerKinds(h, "resource:energy"));
        var reopened = h.Runtime.Audit(100_000).First(r => r.Kind == "breaker.opened" && r.PayloadJson.Contains("resource:energy", StringComparison.Ordinal));
        Assert.Contains("\"cooldown_s\":600", reopened.PayloadJson);
        Assert.Contains("2 bad probes", reopened.PayloadJson);
        Assert.True(village.RelayOpen("e-h1", "heater"));
    }

    [Fact]
    public async Task Restart_KeepsTheOpenResourceBreaker_AndItsCuts()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var village = Households(h);
        await village.RunAsync(14, Load(heaterUntil: 14));
        var before = h.Runtime.Breakers().Single(b => b.Id == "resource:energy");
        Assert.Equal("open", before.State);
        var records = h.Runtime.Audit(100_000).Count;

        await h.RestartAsync();
        var after = h.Runtime.Breakers().Single(b => b.Id == "resource:energy");
        Assert.Equal((before.State, before.Since, before.Reason), (after.State, after.Since, after.Reason));
        Assert.Equal(records, h.Runtime.Audit(100_000).Count);
        await h.ReadingAsync("e-h1", "Wh", ("fridge", 70), ("lights", 140), ("heater", 840));
        Assert.Equal("curtailed", Decision(h, "h1", "lights"));
        // The cuts were commanded before the restart: nothing is sent again.
        Assert.DoesNotContain(h.SentTo("e-h1"), c => c.Op == "relay");
    }
}
