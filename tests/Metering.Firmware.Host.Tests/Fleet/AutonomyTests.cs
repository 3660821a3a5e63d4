using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Mqtt;

namespace Commons.Metering.Tests.Fleet;

/// <summary>Device autonomy end to end (docs/protocol.md): real
/// mosquitto, two simulated water meters with valves. The test plays the gateway: it pushes the
/// local policy, then the broker is gone for a simulated day; the devices keep enforcing it and
/// their outboxes drain with exact totals when the broker is back.</summary>
[Trait("Category", "Integration")]
public sealed class AutonomyTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);
    private const long Minute = 60_000;
    private const long Day = 86_400_000;
    private const long GardenLimitMl = 60_000;
    private const long DrawMl = 5_000;

    [Fact]
    public async Task ADayWithoutTheBroker_DevicesKeepEnforcing_ThenTheirOutboxesDrainWithExactTotals()
    {
        using var broker = Broker.Start();
        using var dir = new TempDir();
        // 18:00 UTC a week ago (the gateway would refuse nothing of it: within 400 days).
        long start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / Day * Day - 7 * Day + 18 * 3_600_000;
        var clock = new SimulatedClock(start);
        var before = await Subscriber.StartAsync(broker.Port, "commons/v1/t/#", "gateway-1");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port },
            DataDirectory = dir.Path,
            Community = "t",
            Meters = 2,
            Mix = (1, 0, 0),
            ReadingIntervalMs = (int)(10 * Minute),
            Clock = clock,
            WaterDrawMl = DrawMl,
            SweepInterval = TimeSpan.FromMilliseconds(10),
        });
        fleet.Start();
        Assert.True(await Eventually.Until(() => fleet.Truth().All(t => t.IsConnected), Wait));

        // w-0001 is a garden tap: discretionary, 60 L a day from UTC midnight. w-0002 is a
        // household's main: essential (its allowance never cuts it), guarded against leaks of 30 min.
        long exp = start + 2 * Day;
        long midnight = start / Day * Day;
        await before.PublishAsync("commons/v1/t/w-0001/down/cmd",
            $$"""{"v":1,"cid":"a-1","exp":{{exp}},"op":"allowance","ch":"main","limit":{{GardenLimitMl}},"period_s":86400,"start":{{midnight}},"class":"discretionary"}""");
        await before.PublishAsync("commons/v1/t/w-0002/down/cmd",
            $$"""{"v":1,"cid":"a-2","exp":{{exp}},"op":"allowance","ch":"main","limit":1,"period_s":86400,"class":"essential"}""");
        await before.PublishAsync("commons/v1/t/w-0002/down/cmd",
            $$"""{"v":1,"cid":"s-2","exp":{{exp}},"op":"safety","ch":"main","leak_s":1800,"burst_per_min":0}""");
        foreach (var meter in new[] { "w-0001", "w-0002" })
            await before.PublishAsync($"commons/v1/t/{meter}/down/cmd", $$"""{"v":1,"cid":"st-1","exp":{{exp}},"op":"stage","stage":1}""");
        Assert.True(await before.WaitAsync(m => m.Count(x => x.Topic.EndsWith("/up/ack") && Text(x.Payload).Contains("\"ok\":true")) == 5, Wait),
            string.Join("\n", before.Messages.Select(m => m.Topic + " " + Text(m.Payload))));
        Assert.True(await fleet.WaitForAsync("w-0002", t => t.Stage == 1 && t.Channel("main").UseClass == "essential", Wait));

        // The broker (and with it the gateway's only way to the devices) is gone for a day.
        Assert.True(broker.Terminate());
        Assert.True(await Eventually.Until(() => fleet.Truth().All(t => !t.IsConnected), Wait));
        var garden = new List<ChannelTruth>();
        var house = new List<ChannelTruth>();
        for (int minute = 1; minute <= 1440; minute++)
        {
            clock.Advance(Minute);
            if (minute == 7 * 60) await fleet.SetLeakAsync("w-0002", 1_000); // 01:00: a pipe starts to leak, 1 L/min
            await Task.Delay(2);
            garden.Add(fleet.Truth("w-0001").Channel("main"));
            house.Add(fleet.Truth("w-0002").Channel("main"));
            Assert.DoesNotContain(fleet.Truth(), t => t.IsConnected);
        }

        // The garden tap was shut when its allowance ran out, and nothing flowed while it was.
        Assert.Contains(garden, g => g.Curtailed && g.CutReason == "allowance");
        Assert.All(garden, g => Assert.True(g.AllowanceUsed <= GardenLimitMl + DrawMl, $"used {g.AllowanceUsed}"));
        Assert.All(garden.Zip(garden.Skip(1)).Where(p => p.First.Curtailed && p.Second.Curtailed),
            p => Assert.Equal(p.First.Register, p.Second.Register));
        // The leak tripped the essential main locally: the valve closed and the register stood still.
        int trippedAt = house.FindIndex(h => h.Trip == "leak");
        Assert.InRange(trippedAt, 7 * 60 + 29, 7 * 60 + 120); // 30 min after 01:00, plus a slow step or two
        Assert.All(house.Skip(trippedAt + 1), h => Assert.True(h.Curtailed && h.CutReason == "safety" && h.Register == house[trippedAt + 1].Register));
        Assert.All(house.Take(7 * 60), h => Assert.False(h.Curtailed)); // essential: never cut by its allowance

        // The broker is back: the devices reconnect by themselves and their outboxes drain.
        broker.Restart();
        await using var after = await Subscriber.StartAsync(broker.Port, "commons/v1/t/#", "gateway-2");
        for (int n = 0; n < 600 && !fleet.Truth().All(t => t.IsConnected); n++)
        {
            clock.Advance(10_000);
            await Task.Delay(5);
        }
        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(Wait), string.Join("; ", fleet.Truth().Select(t => $"{t.MeterId} outbox {t.OutboxDepth} connected {t.IsConnected}")));
        var truth = fleet.Truth();
        Assert.True(await after.WaitAsync(m => truth.All(t => ReadingLog.Decode(m).Any(u => u.Meter == t.MeterId && u.Seq == t.FinalSeq)), Wait));
        await before.DisposeAsync();

        var uplinks = ReadingLog.Decode(before.Messages.Concat(after.Messages));
        foreach (var t in truth)
        {
            var mine = uplinks.Where(u => u.Meter == t.MeterId && u.Seq <= t.FinalSeq).GroupBy(u => u.Seq).Select(g => g.First()).ToList();
            var channel = t.Channel("main");
            var readings = mine.Where(u => u.Kind == "reading").OrderBy(u => u.Seq).ToList();
            // Every uplink of the day offline arrived: their seqs run without a gap (a reading every
            // 10 device minutes, fewer when a slow machine steps a meter less often than that).
            var offline = mine.Where(u => u.Ts > start + 30 * Minute && u.Ts <= start + Day).Select(u => u.Seq).OrderBy(q => q).ToList();
            Assert.True(offline.Count >= 100, $"{t.MeterId}: {offline.Count} uplinks during the outage");
            Assert.Equal(Enumerable.Range(0, offline.Count).Select(i => offline[0] + i), offline);
            Assert.Equal(channel.Register, readings[^1].Registers["main"]);
            Assert.Equal((channel.Usage, 0), ReadingLog.Ledger(mine, t.MeterId)["main"]);
        }
        var leaks = uplinks.Where(u => u.Meter == "w-0002" && u.Kind == "event").Select(u => u.Seq).Distinct()
            .Count(seq => after.Messages.Concat(before.Messages).Any(m => m.Topic.EndsWith("w-0002/up/event") && Text(m.Payload).Contains($"\"seq\":{seq},") && Text(m.Payload).Contains("\"kind\":\"leak\"")));
        Assert.Equal(1, leaks);
        Assert.Null(fleet.Fault);
    }

    [Fact]
    public async Task AnOpenedRelayStopsTheCircuitsEnergy_AndAClosedValveTheWater_UntilTheyAreSwitchedBack()
    {
        using var broker = Broker.Start();
        using var dir = new TempDir();
        long start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / Day * Day - 7 * Day + 8 * 3_600_000; // 08:00 UTC
        var clock = new SimulatedClock(start);
        await using var gateway = await Subscriber.StartAsync(broker.Port, "commons/v1/t/+/up/ack", "gateway");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port },
            DataDirectory = dir.Path, Community = "t", Meters = 2, Mix = (1, 1, 0), Clock = clock,
            SweepInterval = TimeSpan.FromMilliseconds(10),
        });
        fleet.Start();
        Assert.True(await Eventually.Until(() => fleet.Truth().All(t => t.IsConnected), Wait));
        await Assert.ThrowsAsync<InvalidOperationException>(() => fleet.SetLeakAsync("e-0002", 100));

        async Task<(long Water, long Energy)> RunHour()
        {
            var before = (fleet.Truth("w-0001").Channel("main").Register, fleet.Truth("e-0002").Channel("main").Register);
            for (int minute = 0; minute < 60; minute++)
            {
                clock.Advance(Minute);
                await Task.Delay(2);
            }
            await fleet.ReadAllNowAsync(); // a step after the last minute: the truth is current
            return (fleet.Truth("w-0001").Channel("main").Register - before.Item1, fleet.Truth("e-0002").Channel("main").Register - before.Item2);
        }

        async Task Command(string meter, string op, string state, string cid)
        {
            await gateway.PublishAsync($"commons/v1/t/{meter}/down/cmd",
                $$"""{"v":1,"cid":"{{cid}}","exp":{{start + Day}},"op":"{{op}}","ch":"main","state":"{{state}}"}""");
            Assert.True(await gateway.WaitAsync(m => m.Any(x => Text(x.Payload).Contains($"\"cid\":\"{cid}\",\"ok\":true")), Wait));
            Assert.True(await fleet.WaitForAsync(meter, t => t.Channel("main").Curtailed == (op == "valve" ? state == "closed" : state == "open"), Wait));
        }

        var flowing = await RunHour();
        Assert.True(flowing.Water > 0 && flowing.Energy > 0, $"{flowing}");

        await Command("w-0001", "valve", "closed", "v-1");
        await Command("e-0002", "relay", "open", "r-1");
        Assert.Equal((0L, 0L), await RunHour());

        await Command("w-0001", "valve", "open", "v-2");
        await Command("e-0002", "relay", "closed", "r-2");
        var again = await RunHour();
        Assert.True(again.Water > 0 && again.Energy > 0, $"{again}");
        Assert.Null(fleet.Fault);
    }

    private static string Text(byte[] payload) => System.Text.Encoding.UTF8.GetString(payload);
}
