using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Scenarios;

/// <summary>Scenario "Evening peak on an energy feeder over capacity": four households, each an energy node
/// running the real firmware core with three circuits and a relay on each (freezer essential, dishwasher and
/// washing machine discretionary), on a feeder zone whose evening demand is over its capacity. The gateway
/// and the devices share one clock at 300x (<see cref="ScenarioClock"/>): two simulated evening hours pass
/// in about 25 s. The rotation sheds the discretionary circuits household by household; the devices'
/// relays open and those circuits stop registering; the curtailed minutes are recorded and their spread
/// stays within the policy's bound; the freezers are never cut.</summary>
[Trait("Category", "Integration")]
public sealed class EveningPeakScenario
{
    private const int SlotMinutes = 10;
    private const int MaxSpreadMinutes = 10;
    private static readonly string[] Households = ["h1", "h2", "h3", "h4"];
    private static readonly string[] Discretionary = ["dishwasher", "washing_machine"];

    // A household draws ~9.6 Wh/min at 17-19 h (DiurnalProfile: 9.9 kWh/day, OPSD evening shares ~0.058/h),
    // 0.5-1.5x by household, 80 % of it on the two machines (SimulatedCircuit.EnergyNode): four of them draw
    // ~38 Wh/min, so a 24 Wh/min feeder needs about two households shed at any time.
    private static string Policy => FeederPolicy.Yaml("peak", Households.Select((h, i) => (h, $"e-{i + 1:D4}")).ToList(),
        [("freezer", "essential"), ("dishwasher", "discretionary"), ("washing_machine", "discretionary")],
        capacityPerMinute: 24, SlotMinutes, MaxSpreadMinutes);

    [Fact]
    public async Task EveningPeak_ShedsDiscretionaryCircuitsInRotation_WithinTheSpreadBound_NeverTheFreezers()
    {
        // Yesterday 15:55 UTC (16:55 in the profile's CET): the peak hours, in the past of the real clock.
        var start = new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-1).AddHours(15).AddMinutes(55), TimeSpan.Zero);
        var end = start.AddMinutes(125);
        var clock = new ScenarioClock(start, speed: 300);
        var settings = new Dictionary<string, string?>();
        settings["Metering:Commons:TickMs"] = "100";                            // slot boundaries on time (2 s real per slot)
        settings["Metering:Commons:ConfirmWindowSeconds"] = "1800";
        await using var gw = new ScenarioGateway(Policy, settings, clock);
        await gw.StartAsync();
        using var dir = new TempDir("peak-fleet");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = MqttBrokerOptions.Parse(gw.Broker), DataDirectory = dir.Path, Community = "peak",
            Meters = Households.Length, Mix = (0, 1, 0), ReadingIntervalMs = 60_000, Clock = clock.Device,
            Circuits = SimulatedCircuit.EnergyNode,
        });
        fleet.Start();
        string Meter(string household) => "e-" + (Array.IndexOf(Households, household) + 1).ToString("D4", System.Globalization.CultureInfo.InvariantCulture);

        // The evening, sampled: what each device's circuits did while the rotation ran, and the spread of the
        // minutes the runtime recorded, which must hold at every moment, not only at the end.
        var samples = new List<MeterTruth>();
        while (clock.Now < end)
        {
            samples.AddRange(fleet.Truth());
            var minutes = Households.Select(h => gw.Runtime.Household(h)!.Resources.Single().CurtailedMinutes).ToList();
            Assert.True(minutes.Max() - minutes.Min() <= MaxSpreadMinutes, $"at {clock.Now:HH:mm} the spread is {string.Join(", ", minutes)}");
            Assert.Null(fleet.Fault);
            await Task.Delay(100);
        }

        // The rotation ran and every household took its turn; the minutes are recorded in the runtime's view.
        var recorded = Households.ToDictionary(h => h, h => gw.Runtime.Household(h)!.Resources.Single().CurtailedMinutes);
        Assert.All(recorded, r => Assert.True(r.Value >= 2 * SlotMinutes, $"{r.Key} was shed {r.Value} min: " + string.Join(", ", recorded)));
        Assert.InRange(recorded.Values.Max() - recorded.Values.Min(), 0, MaxSpreadMinutes);

        foreach (var h in Households)
        {
            var device = fleet.Truth(Meter(h));
            foreach (var name in Discretionary)
            {
                var circuit = device.Channel(name);
                // Shed in rotation: its relay opened and closed again several times.
                Assert.True(circuit.OutputSwitches >= 3, $"{h}/{name}: {circuit.OutputSwitches} switches");
                // What the device lost is what the gateway recorded, within the slot in progress (counted in full
                // when it starts) and the commands' latency (up to ~2 s real = 10 device minutes on a busy machine).
                var lostMinutes = circuit.CurtailedMs / 60_000.0;
                Assert.InRange(lostMinutes, recorded[h] - SlotMinutes - 10, recorded[h] + 10);
                Assert.True(circuit.Unmet > 0, $"{h}/{name}: no unmet demand while shed");
                // While the relay was open the circuit did not register.
                var mine = samples.Where(s => s.MeterId == device.MeterId).Select(s => s.Channel(name)).ToList();
                Assert.All(mine.Zip(mine.Skip(1)).Where(p => p.First.Curtailed && p.Second.Curtailed), p => Assert.Equal(p.First.Register, p.Second.Register));
                Assert.Contains(mine, c => c.Curtailed);
            }
            // The freezer: never switched, never curtailed, kept counting all evening.
            var freezer = device.Channel("freezer");
            Assert.Equal((0, 0L, "essential"), (freezer.OutputSwitches, freezer.CurtailedMs, freezer.UseClass));
            var freezerSamples = samples.Where(s => s.MeterId == device.MeterId).Select(s => s.Channel("freezer").Register).ToList();
            Assert.True(freezerSamples[^1] > freezerSamples[freezerSamples.Count / 2] && freezerSamples[freezerSamples.Count / 2] > freezerSamples[0],
                $"{h}: the freezer stopped counting");
            Assert.Equal("allowed", gw.Runtime.Household(h)!.Resources.Single().Channels.Single(c => c.Channel == "freezer").Decision);
        }
        var relays = gw.Runtime.Commands(1000).Where(c => c.Op == "relay").ToList();
        Assert.DoesNotContain(relays, c => c.Detail.StartsWith("freezer", StringComparison.Ordinal));
        Assert.All(relays.Where(c => c.Detail.EndsWith(" open", StringComparison.Ordinal)), c => Assert.Equal("curtailed: rotation", c.Why));
        Assert.DoesNotContain(relays, c => c.State is "escalated" or "refused");

        // The ledger counts exactly what the circuits registered.
        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(TimeSpan.FromSeconds(30)), "the devices did not drain");
        foreach (var t in fleet.Truth())
            foreach (var c in t.Channels)
                Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.LedgerUsage(t.MeterId, c.Name) == c.Usage, TimeSpan.FromSeconds(10)),
                    $"{t.MeterId}/{c.Name}: ledger {gw.LedgerUsage(t.MeterId, c.Name)} != device {c.Usage}");
    }
}
