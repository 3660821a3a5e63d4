namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>"Evening peak on an energy feeder over capacity", at the runtime level with a fake
/// clock: discretionary circuits are shed in rotation, essential ones never, and the spread of curtailed
/// minutes stays within the policy's bound. The simulated households obey the relay commands.</summary>
public sealed class CommonsRotationTests
{
    private static readonly string Yaml = EnergyHouseholds.FeederPolicy(households: 4, capacityPerMinute: 100);

    [Fact]
    public async Task EveningPeak_ShedsHeatersInRotation_NeverFridges_WithinTheSpreadBound()
    {
        await using var h = new CommonsHarness(Yaml);
        await h.StartAsync();
        var ids = new[] { "h1", "h2", "h3", "h4" };
        var heater = ids.ToDictionary(i => i, _ => 0L);
        var fridge = ids.ToDictionary(i => i, _ => 0L);
        bool RelayOpen(string id) => h.SentTo("e-" + id).LastOrDefault(c => c is { Op: "relay", Channel: "heater" })?.State == "open";
        var shedMinutes = ids.ToDictionary(i => i, _ => 0L);
        // Four heaters of 40 Wh/min and fridges of 5 Wh/min on a 100 Wh/min feeder: three hours of peak.
        for (var minute = 0; minute < 180; minute++)
        {
            foreach (var id in ids)
            {
                if (RelayOpen(id)) shedMinutes[id]++;
                else heater[id] += 40;   // the household obeys its relay
                fridge[id] += 5;
                await h.ReadingAsync("e-" + id, "Wh", ("fridge", fridge[id]), ("heater", heater[id]));
            }
            await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        }
        var lost = ids.ToDictionary(i => i, i => h.Runtime.Household(i)!.Resources.Single().CurtailedMinutes);
        Assert.All(lost.Values, m => Assert.True(m > 0, "every household took its turn"));
        Assert.InRange(lost.Values.Max() - lost.Values.Min(), 0, 15);
        // What the households actually lost matches what was recorded, within the slot in progress.
        foreach (var id in ids) Assert.InRange(lost[id] - shedMinutes[id], 0, 15);
        Assert.All(ids, id => Assert.DoesNotContain(h.SentTo("e-" + id), c => c is { Op: "relay", Channel: "fridge" }));
        var sheds = ids.Sum(id => h.SentTo("e-" + id).Count(c => c is { Op: "relay", Channel: "heater", State: "open" }));
        Assert.True(sheds >= 8, $"rotation moved the shedding around: {sheds} heater cuts");
    }
}
