using Commons.Metering.Gateway.Domain;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Firmware.Host.Replay;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Tests.Scenarios;

/// <summary>The real electricity data (OPSD household 4, tests/data/opsd) replayed through the
/// firmware core with its circuits as use classes: under stage 2 the gateway sheds the dishwasher and the
/// washing machine, never the freezer or the refrigerator. The replay device has a relay per circuit
/// (<see cref="ReplayOptions.Outputs"/>) and the replay starts once the gateway's word reached it: the shed
/// circuits' registers then stand still for the whole slice (their data's rises are unmet) while the
/// freezer's keep counting. The feeder load that sets the stage is a gauge from a simulated feeder node running
/// the real firmware core (<see cref="SimulatedFeederGauge"/>: the PZEM's active power, load_w, every second).</summary>
[Trait("Category", "Integration")]
public sealed class OpsdStageScenario
{
    private static readonly Dictionary<string, string> UseOf = new(StringComparer.Ordinal)
    {
        ["dishwasher"] = "discretionary", ["washing_machine"] = "discretionary", ["freezer"] = "essential", ["refrigerator"] = "essential",
    };

    private static string DataFile()
    {
        return RepoPaths.Of("tests", "data", "opsd", "power_of_residential_4_2015-10.csv");
    }

    [Fact]
    public async Task OpsdHousehold_UnderStageTwo_ShedsDishwasherAndWashingMachine_NeverTheFreezer()
    {
        var data = OpsdCsv.Read(DataFile(), "e-opsd4");
        var channels = data.Rows.Select(r => r.Channel).Distinct().Order(StringComparer.Ordinal).ToList();
        Assert.Contains("freezer", channels);
        Assert.Contains("dishwasher", channels);
        Assert.Contains("washing_machine", channels);
        var policy = $$"""
            version: 1
            community: replay
            council: { k: 1, members: [amina] }
            households:
              - id: h4
                persons: 3
                meters:
                  - id: e-opsd4
                    resource: energy
                    channels: [{{string.Join(", ", channels.Select(c => $"{{ id: {c}, use: {UseOf.GetValueOrDefault(c, "standard")} }}"))}}]
            shared_meters:
              - { id: feeder, resource: energy, channels: [load_w] }
            resources:
              energy:
                period: month
                cap: 2_000_000
                floor_per_person: 30_000
                sharing: per_household
                stages:
                  - stage: 2
                    trigger: { meter: feeder, channel: load_w, above: 5000, hysteresis: 500 }
                    curtails: [discretionary]
            """;
        await using var gw = new ScenarioGateway(policy);
        await gw.StartAsync();
        // A gauge-only node cannot register itself (a gauge names no resource): commissioned as the policy's shared meter.
        var registered = await gw.Services.GetRequiredService<LedgerWriter>().SubmitAsync(
            new RegisterMeterWrite(new MeterInfo("feeder", "replay", Resource.Energy), DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), CancellationToken.None);
        Assert.Equal(LedgerStatus.Committed, registered.Status);
        using var flash = new TempDir("opsd-replay");
        // The village's evening draw on the feeder, above the 5000 W trigger; summarised every real second.
        await using var feeder = new SimulatedFeederGauge("replay", "feeder", MqttBrokerOptions.Parse(gw.Broker),
            Path.Combine(flash.Path, "feeder.flash"), new SystemClock(), readingIntervalMs: 1000, sampleEveryMs: 250) { LoadW = 6200 };
        feeder.Start();
        Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Overview().Resources.Single().Stage == 2, TimeSpan.FromSeconds(10)),
            $"stage {gw.Runtime.Overview().Resources.Single().Stage}, feeder connected {feeder.IsConnected}");
        var result = await DatasetReplayer.RunAsync(data.Rows, MeterKind.Energy, new ReplayOptions
        {
            Broker = MqttBrokerOptions.Parse(gw.Broker), DataDirectory = Path.Combine(flash.Path, "replay"), Community = "replay",
            TimeShiftMs = DatasetReplayer.ShiftEndingAt(data.Rows, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
            DrainTimeout = TimeSpan.FromSeconds(60), Outputs = true,
            // The device is commissioned and has the gateway's word (stage, relay commands acknowledged) before the
            // slice goes through it; the readings of the slice then confirm the relays.
            StartWhen = t => t.Single() is var m && m.Stage == 2 && m.Channel("dishwasher").Curtailed && m.Channel("washing_machine").Curtailed
                             && gw.Runtime.Commands(200).Count(c => c is { Meter: "e-opsd4", Op: "relay", State: "acked" }) == 2,
        });
        Assert.True(result.Drained, $"replay did not drain: {result.RowsFed}/{result.RowsTotal}");

        // On the device: the shed circuits' relays are open and their registers never rose (all the data's
        // use is unmet); the freezer and the refrigerator were never switched and followed the data.
        var expected = ExpectedLedger.Compute(data.Rows);
        var device = result.Meters.Single();
        foreach (var shed in new[] { "dishwasher", "washing_machine" })
        {
            var (truth, data_) = (device.Channel(shed), expected.For("e-opsd4", shed));
            Assert.True(data_.Usage > 0, $"the slice has no {shed} use");
            Assert.Equal((true, data_.FirstRegister, data_.Usage), (truth.Curtailed, truth.Register, truth.Unmet));
        }
        foreach (var kept in channels.Where(c => UseOf.GetValueOrDefault(c) != "discretionary"))
        {
            var (truth, data_) = (device.Channel(kept), expected.For("e-opsd4", kept));
            Assert.Equal((false, 0, data_.LastRegister, 0L), (truth.Curtailed, truth.OutputSwitches, truth.Register, truth.Unmet));
        }
        Assert.True(expected.For("e-opsd4", "freezer").Usage > 0, "the freezer kept counting");
        // The gateway counted exactly what registered: nothing of the shed circuits, all of the rest.
        Assert.True(await ScenarioGateway.EventuallyAsync(() => device.Channels.All(c => gw.LedgerUsage("e-opsd4", c.Name) == c.Usage), TimeSpan.FromSeconds(30)),
            "the ledger does not equal the device: " + string.Join(", ", device.Channels.Select(c => $"{c.Name} {gw.LedgerUsage("e-opsd4", c.Name)}/{c.Usage}")));
        Assert.Equal(expected.For("e-opsd4", "freezer").Usage, gw.LedgerUsage("e-opsd4", "freezer"));
        Assert.Equal(0, gw.LedgerUsage("e-opsd4", "dishwasher"));
        var decisions = gw.Runtime.Household("h4")!.Resources.Single().Channels.ToDictionary(c => c.Channel, c => c.Decision);
        Assert.Equal(("curtailed", "curtailed"), (decisions["dishwasher"], decisions["washing_machine"]));
        Assert.Equal(("allowed", "allowed"), (decisions["freezer"], decisions["refrigerator"]));
        Assert.All(channels.Where(c => UseOf.GetValueOrDefault(c) != "discretionary"), c => Assert.Equal("allowed", decisions[c]));
        var relays = gw.Runtime.Commands(200).Where(c => c is { Meter: "e-opsd4", Op: "relay" }).ToList();
        Assert.Equal(["dishwasher open", "washing_machine open"], relays.Select(c => c.Detail).Order(StringComparer.Ordinal));
        Assert.All(relays, c => Assert.StartsWith("curtailed: stage 2", c.Why));
        // Closed loop: acknowledged by the device, confirmed by the readings that followed (registers still).
        Assert.True(await ScenarioGateway.EventuallyAsync(() => gw.Runtime.Commands(200).Where(c => c is { Meter: "e-opsd4", Op: "relay" }).All(c => c.State == "confirmed"),
            TimeSpan.FromSeconds(30)), string.Join("\n", gw.Runtime.Commands(200)));
        // The burst to the 9-circuit device (an allowance per circuit, the stage, the relays) went through the
        // per-device window with the default 30 s resend: every command answered, none escalated.
        Assert.All(gw.Runtime.Commands(200).Where(c => c.Meter == "e-opsd4"), c => Assert.Contains(c.State, new[] { "acked", "confirmed", "superseded" }));
        // The stage came from the feeder's gauge: stored as a gauge (no register, no usage, no flag), never a reading.
        var load = ((IGaugeReader)gw.Ledger).GaugeSeries("feeder", "load_w", 0, long.MaxValue, 10_000);
        Assert.Contains(load, g => g.Last == 6200);
        Assert.All(load, g => Assert.Null(g.Flag));
        Assert.Empty(gw.Ledger.ListMeters().Single(m => m.Meter.Id == "feeder").Channels);
        Assert.Equal(2, gw.Runtime.Overview().Resources.Single().Stage);
    }
}
