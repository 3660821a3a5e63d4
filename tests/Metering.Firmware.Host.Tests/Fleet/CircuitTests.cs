using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Host.Replay;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Mqtt;

namespace Commons.Metering.Tests.Fleet;

/// <summary>Multi-channel devices: one energy node with several circuits, each with its own
/// relay the core drives; a shed circuit stops registering while the others keep counting. Real mosquitto;
/// the test plays the gateway.</summary>
[Trait("Category", "Integration")]
public sealed class CircuitTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private const long Minute = 60_000;
    private const long Day = 86_400_000;

    [Fact]
    public async Task AnEnergyNode_ShedsOneCircuitByItsRelay_ItsRegisterStandsStill_TheOthersKeepCounting()
    {
        using var broker = Broker.Start();
        using var dir = new TempDir();
        long start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / Day * Day - 7 * Day + 17 * 3_600_000; // 17:00 UTC, the evening
        var clock = new SimulatedClock(start);
        await using var gateway = await Subscriber.StartAsync(broker.Port, "commons/v1/t/+/up/#", "gateway");
        var options = new FleetOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port },
            DataDirectory = dir.Path, Community = "t", Meters = 1, Mix = (0, 1, 0), Clock = clock,
            Circuits = SimulatedCircuit.EnergyNode, SweepInterval = TimeSpan.FromMilliseconds(10),
        };
        var fleet = new MeterFleet(options);
        await using (fleet)
        {
            fleet.Start();
            Assert.True(await Eventually.Until(() => fleet.Truth().All(t => t.IsConnected), Wait));
            Assert.Equal(["freezer", "dishwasher", "washing_machine"], fleet.Truth("e-0001").Channels.Select(c => c.Name));
            // The first reading carries every circuit.
            Assert.True(await gateway.WaitAsync(m => ReadingLog.Decode(m).Any(u => u.Kind == "reading" && u.Registers.Count == 3), Wait));

            async Task<Dictionary<string, long>> RunHour()
            {
                var before = fleet.Truth("e-0001").Channels.ToDictionary(c => c.Name, c => c.Register);
                for (var minute = 0; minute < 60; minute++)
                {
                    clock.Advance(Minute);
                    await Task.Delay(2);
                }
                await fleet.ReadAllNowAsync();
                return fleet.Truth("e-0001").Channels.ToDictionary(c => c.Name, c => c.Register - before[c.Name]);
            }

            var flowing = await RunHour();
            Assert.All(flowing.Values, rise => Assert.True(rise > 0, string.Join(", ", flowing)));

            await gateway.PublishAsync("commons/v1/t/e-0001/down/cmd",
                $$"""{"v":1,"cid":"r-1","exp":{{start + Day}},"op":"relay","ch":"dishwasher","state":"open"}""");
            Assert.True(await gateway.WaitAsync(m => m.Any(x => Text(x.Payload).Contains("\"cid\":\"r-1\",\"ok\":true")), Wait));
            Assert.True(await fleet.WaitForAsync("e-0001", t => t.Channel("dishwasher").Curtailed, Wait));
            var shed = await RunHour();
            Assert.Equal(0, shed["dishwasher"]);
            Assert.True(shed["freezer"] > 0 && shed["washing_machine"] > 0, string.Join(", ", shed));
            var dishwasher = fleet.Truth("e-0001").Channel("dishwasher");
            Assert.InRange(dishwasher.CurtailedMs, 59 * Minute, 61 * Minute);
            Assert.True(dishwasher.Unmet > 0, "the shed circuit's demand was not counted as unmet");
            Assert.Equal(1, dishwasher.OutputSwitches);
            Assert.All(new[] { "freezer", "washing_machine" }, c => Assert.Equal((0, 0L, 0L), (fleet.Truth("e-0001").Channel(c).OutputSwitches,
                fleet.Truth("e-0001").Channel(c).CurtailedMs, fleet.Truth("e-0001").Channel(c).Unmet)));
            // An unknown circuit is refused as bad_field, not guessed.
            await gateway.PublishAsync("commons/v1/t/e-0001/down/cmd",
                $$"""{"v":1,"cid":"r-2","exp":{{start + Day}},"op":"relay","ch":"oven","state":"open"}""");
            Assert.True(await gateway.WaitAsync(m => m.Any(x => Text(x.Payload).Contains("\"cid\":\"r-2\",\"ok\":false")), Wait));

            await fleet.FreezeAsync();
            Assert.True(await fleet.WaitForDrainAsync(Wait));
            await fleet.StopAsync();
        }
        var truth = fleet.Truth("e-0001");
        var uplinks = ReadingLog.Decode(gateway.Messages);
        var ledger = ReadingLog.Ledger(uplinks, "e-0001");
        foreach (var c in truth.Channels) Assert.Equal((c.Usage, 0), ledger[c.Name]);

        // A restart from the same directory keeps each circuit's baseline.
        await using var again = new MeterFleet(options);
        again.Start();
        Assert.Equal(truth.Channels.Select(c => (c.Name, c.BaselineRegister, c.Register)),
            again.Truth("e-0001").Channels.Select(c => (c.Name, c.BaselineRegister, c.Register)));
    }

    [Fact]
    public void Circuits_AreCheckedAndParsed()
    {
        Assert.Equal([new SimulatedCircuit("freezer", 0.2), new SimulatedCircuit("pump", 1)], SimulatedCircuit.Parse("freezer:0.2, pump:1"));
        Assert.Throws<FormatException>(() => SimulatedCircuit.Parse("freezer"));
        foreach (var bad in new[] { "Freezer:1", "a:1,a:2", "a:0", "a:-1" })
            Assert.Throws<ArgumentException>(() => Options(SimulatedCircuit.Parse(bad)).Validate());
        Assert.Throws<ArgumentException>(() => Options(Enumerable.Range(0, 17).Select(i => new SimulatedCircuit("c" + i, 1)).ToList()).Validate());
        Options(SimulatedCircuit.EnergyNode).Validate();
    }

    [Fact]
    public async Task OpsdReplay_WithRelays_AShedCircuitsRisesAreUnmet_TheOthersFollowTheData()
    {
        var data = OpsdCsv.Read(TestData.OpsdHome4Slice);
        var meter = data.MeterIds.Single();
        using var broker = Broker.Start();
        using var dir = new TempDir();
        await using var gateway = await Subscriber.StartAsync(broker.Port, "commons/v1/r/#", "gateway");
        var shift = DatasetReplayer.ShiftEndingAt(data.Rows, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var sent = 0;
        var result = await DatasetReplayer.RunAsync(data.Rows, MeterKind.Energy, new ReplayOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port },
            DataDirectory = dir.Path, Community = "r", TimeShiftMs = shift, Outputs = true, DrainTimeout = Wait,
            // The gateway's word comes before the slice is replayed: the device is online, the relay open.
            StartWhen = truth =>
            {
                // Sent again (same cid: executed at most once) about every second until it shows.
                if (truth.Single().IsConnected && sent++ % 50 == 0)
                    _ = gateway.PublishAsync($"commons/v1/r/{meter}/down/cmd",
                        $$"""{"v":1,"cid":"r-1","exp":{{DateTimeOffset.UtcNow.AddDays(1).ToUnixTimeMilliseconds()}},"op":"relay","ch":"dishwasher","state":"open"}""");
                return truth.Single().Channel("dishwasher").Curtailed;
            },
        });
        Assert.True(result.Drained, result.Fault);
        var expected = ExpectedLedger.Compute(data.Rows);
        var device = result.Meters.Single();
        var dishwasher = device.Channel("dishwasher");
        var wanted = expected.For(meter, "dishwasher");
        Assert.True(wanted.Usage > 0, "the slice has no dishwasher use");
        Assert.Equal((wanted.FirstRegister, wanted.Usage, 1), (dishwasher.Register, dishwasher.Unmet, dishwasher.OutputSwitches));
        Assert.True(dishwasher.CurtailedMs > 0);
        foreach (var c in expected.Channels.Where(c => c.Channel != "dishwasher"))
            Assert.Equal((c.LastRegister, 0L, false), (device.Channel(c.Channel).Register, device.Channel(c.Channel).Unmet, device.Channel(c.Channel).Curtailed));
        Assert.True(await gateway.WaitAsync(m => ReadingLog.Decode(m).Any(u => u.Kind == "reading" && u.Seq == device.LastSeq), Wait));
        var ledger = ReadingLog.Ledger(ReadingLog.Decode(gateway.Messages), meter);
        foreach (var c in device.Channels) Assert.Equal((c.Usage, 0), ledger[c.Name]);
    }

    private static FleetOptions Options(IReadOnlyList<SimulatedCircuit> circuits) => new()
    {
        Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = 1 }, DataDirectory = "unused", Circuits = circuits,
    };

    private static string Text(byte[] payload) => System.Text.Encoding.UTF8.GetString(payload);
}
