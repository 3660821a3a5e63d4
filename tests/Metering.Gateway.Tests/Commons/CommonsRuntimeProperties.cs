using CsCheck;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>DESIGN.md rule 1 at the runtime level: over generated sequences of readings, reservoir levels,
/// emergencies, device trips, resets and time, an essential channel of a household under its floor is
/// never commanded shut unless a safety breaker tripped it, and then the command says so.</summary>
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

    [Fact]
    public void EssentialUnderItsFloor_IsNeverCommandedShut_ExceptByASafetyTrip()
    {
        StepGen.Array[1, 30].Sample(steps => RunAsync(steps).GetAwaiter().GetResult(), iter: Iterations, threads: 1);
    }

    private static async Task RunAsync(Step[] steps)
    {
        await using var h = new CommonsHarness(TestPolicy.Yaml);
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
            Check(h);
        }
    }

    private static void Check(CommonsHarness h)
    {
        var commands = h.Runtime.Commands(10_000);
        var breakers = h.Runtime.Breakers();
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
