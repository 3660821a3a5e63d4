using CsCheck;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>docs/design.md rule 1 at the runtime level: over generated sequences of readings, reservoir levels,
/// emergencies, device trips, resets and time, on the test policy with or without a generated resource
/// breaker (capacity, curtailed classes up to essential) and a water zone (capacity), an essential channel
/// of a household under its floor is never commanded shut unless a safety breaker tripped it, and then the
/// command says so. A cut by the resource breaker is of a class it curtails while it is open; a cut by
/// rotation is of a discretionary channel while the zone breaker is not closed.</summary>
public sealed class CommonsRuntimeProperties
{
    /// <summary>Each sequence runs on a real ledger and state file: 25 sequences of up to 30 steps, a few seconds.</summary>
    private const int Iterations = 25;

    private sealed record Step(int Kind, int Household, long DeltaMl, int Minutes, long LevelMm);

    private static readonly Gen<Step> StepGen =
        from kind in Gen.Int[0, 9]
        from household in Gen.Int[1, 2]
        from delta in Gen.Long[0, 120_000]
        from minutes in Gen.Int[1, 30]
        from level in Gen.Long[0, 1600]
        select new Step(kind, household, delta, minutes, level);

    /// <summary>Null: the test policy as it is. Else a resource breaker and a zone over both households.</summary>
    private sealed record Breakers(long ResourceCapacity, int CurtailsUpTo, long ZoneCapacity);

    private static readonly Gen<Breakers?> BreakersGen =
        from enabled in Gen.Int[0, 2]
        from resource in Gen.Long[500, 20_000]
        from upTo in Gen.Int[0, 2]
        from zone in Gen.Long[500, 20_000]
        select enabled == 0 ? null : new Breakers(resource, upTo, zone);

    private static readonly string[] Classes = ["discretionary", "standard", "essential"];

    private static string Policy(Breakers? b) => b is null ? TestPolicy.Yaml : TestPolicy.Yaml
        .Replace("    safety: { leak_minutes: 10, burst_max_per_minute: 30_000 }\n",
            "    safety: { leak_minutes: 10, burst_max_per_minute: 30_000 }\n" +
            $"    breaker: {{ capacity_per_minute: {b.ResourceCapacity}, window_minutes: 5, curtails: [{string.Join(", ", Classes[..(b.CurtailsUpTo + 1)])}] }}\n",
            StringComparison.Ordinal)
        + $"\nzones:\n  - {{ id: pipe, resource: water, capacity_per_minute: {b.ZoneCapacity}, households: [h1, h2], rotation_slot_minutes: 5, max_spread_minutes: 5 }}\n";

    [Fact]
    public void EssentialUnderItsFloor_IsNeverCommandedShut_ExceptByASafetyTrip()
    {
        Gen.Select(BreakersGen, StepGen.Array[1, 30]).Sample((b, steps) => RunAsync(b, steps).GetAwaiter().GetResult(), iter: Iterations, threads: 1);
    }

    [Fact]
    public void GeneratedBreakerPolicies_AreValid_AndCarryTheirBreakers()
    {
        var p = PolicyLoaderOk(Policy(new Breakers(700, 2, 900)));
        Assert.Equal((700L, 3), (p.Resource(Gateway.Domain.Resource.Water).Breaker!.CapacityPerMinute, p.Resource(Gateway.Domain.Resource.Water).Breaker!.Curtails.Count));
        Assert.Equal(900, p.Zones.Single().CapacityPerMinute);
    }

    private static Gateway.Policy.CommunityPolicy PolicyLoaderOk(string yaml)
    {
        var r = Gateway.Policy.PolicyLoader.Parse(yaml, "gen.yaml");
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        return r.Policy!;
    }

    private static async Task RunAsync(Breakers? b, Step[] steps)
    {
        await using var h = new CommonsHarness(Policy(b));
        await h.StartAsync();
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));
        await h.ReadingAsync("w-h2", ("kitchen", 0), ("laundry", 0));
        var registers = new Dictionary<string, long>();
        long Reg(string key, long add) => registers[key] = registers.GetValueOrDefault(key) + add;
        foreach (var s in steps)
        {
            var meter = $"w-h{s.Household}";
            var other = s.Household == 1 ? "garden" : "laundry";
            switch (s.Kind)
            {
                case <= 3: // readings: the essential and the other channel
                    await h.AdvanceAsync(TimeSpan.FromMinutes(s.Minutes));
                    await h.ReadingAsync(meter, ("kitchen", Reg(meter + "k", s.DeltaMl)), (other, Reg(meter + "o", s.DeltaMl / 2)));
                    break;
                case <= 5:
                    await h.ReadingAsync("reservoir", ("level_mm", s.LevelMm));
                    break;
                case 6:
                    h.Runtime.DeclareEmergency("amina", "drought", TimeSpan.FromHours(1));
                    h.Runtime.DeclareEmergency("bruno", "drought", TimeSpan.FromHours(1));
                    await h.StepAsync();
                    break;
                case 7:
                    await h.EventAsync(meter, "leak", "kitchen");
                    break;
                case 8:
                    h.Runtime.ResetBreaker("tess", meter + "/kitchen");
                    await h.StepAsync();
                    break;
                default:
                    await h.AdvanceAsync(TimeSpan.FromMinutes(s.Minutes * 4));
                    break;
            }
            Check(h, b);
        }
    }

    private static void Check(CommonsHarness h, Breakers? b)
    {
        var commands = h.Runtime.Commands(10_000);
        var breakers = h.Runtime.Breakers();
        foreach (var id in new[] { "h1", "h2" })
            foreach (var c in h.Runtime.Household(id)!.Resources.Single().Channels)
            {
                if (c.Reason?.StartsWith("curtailed: water breaker open", StringComparison.Ordinal) == true)
                {
                    Assert.Equal("open", breakers.Single(x => x.Id == "resource:water").State);
                    Assert.Contains(c.Use, Classes[..(b!.CurtailsUpTo + 1)]);
                }
                if (c.Reason == "curtailed: rotation")
                {
                    Assert.Equal("discretionary", c.Use);
                    Assert.NotEqual("closed", breakers.Single(x => x.Id == "zone:pipe").State);
                }
            }
        foreach (var id in new[] { "h1", "h2" })
        {
            var water = h.Runtime.Household(id)!.Resources.Single();
            if (!water.UnderFloor) continue;
            var meter = "w-" + id;
            var tripped = breakers.Single(b => b.Id == meter + "/kitchen").State != "closed";
            var kitchen = water.Channels.Single(c => c.Channel == "kitchen");
            Assert.Equal(tripped ? "tripped" : "allowed", kitchen.Decision);
            var latest = commands.FirstOrDefault(c => c.Meter == meter && c.Op == "valve" && c.Detail.StartsWith("kitchen ", StringComparison.Ordinal));
            if (latest is null || latest.Detail == "kitchen open") { Assert.False(tripped && latest is not null && latest.State == "pending"); continue; }
            Assert.True(tripped, $"{meter}/kitchen shut while under its floor without a trip: {latest.Why}");
            Assert.StartsWith("safety trip: ", latest.Why);
        }
    }
}
