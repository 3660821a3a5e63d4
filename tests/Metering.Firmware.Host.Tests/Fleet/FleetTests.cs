using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Mqtt;

namespace Commons.Metering.Tests.Fleet;

[Trait("Category", "Integration")]
public sealed class FleetTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    // 09:00 local (UTC+1), a week back: the forest scale is open and water flows.
    private static readonly long MorningAWeekAgo =
        new DateTimeOffset(DateTime.UtcNow.Date.AddDays(-7).AddHours(8), TimeSpan.Zero).ToUnixTimeMilliseconds();

    private static FleetOptions Options(int port, string dataDirectory, int meters = 3) => new()
    {
        Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = port },
        DataDirectory = dataDirectory,
        Community = "t",
        Meters = meters,
        Mix = (1, 1, 1),
        ReadingIntervalMs = 60_000,
        ClockSpeed = 600, // a device minute every 100 ms
        ClockStartUnixMs = MorningAWeekAgo,
        ForestLoadsPerDay = 200,
    };

    [Fact]
    public async Task ThreeMeters_EveryUplinkArrivesInSeqOrder_AndTheReadingsSumToTheTruth()
    {
        using var broker = Broker.Start();
        using var dir = new TempDir();
        await using var sub = await Subscriber.StartAsync(broker.Port, "commons/v1/t/#");
        await using var fleet = new MeterFleet(Options(broker.Port, dir.Path));
        fleet.Start();
        Assert.Equal(new[] { "w-0001", "e-0002", "f-0003" }, fleet.MeterIds);

        Assert.True(await Eventually.Until(() => fleet.Truth().All(t => t.LastSeq >= 20), Wait), Describe(fleet));
        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(Wait), Describe(fleet));
        var truth = fleet.Truth();
        Assert.True(await sub.WaitAsync(m => truth.All(t => ReadingLog.Decode(m).Any(u => u.Meter == t.MeterId && u.Seq == t.FinalSeq)), Wait));

        var uplinks = ReadingLog.Decode(sub.Messages);
        foreach (var t in truth)
        {
            // Periodic readings go on after the freeze; look at everything up to the final one.
            var final = t.FinalSeq!.Value;
            var mine = uplinks.Where(u => u.Meter == t.MeterId && u.Seq <= final).ToList();
            // Nothing lost, nothing repeated: one boot, so the seqs run without gaps to the final one.
            Assert.Equal(Enumerable.Range(1, (int)final).Select(i => (long)i), mine.Select(u => u.Seq));
            var readings = mine.Where(u => u.Kind == "reading").ToList();
            Assert.True(readings.Zip(readings.Skip(1)).All(p => p.First.Ts < p.Second.Ts), "ts strictly increasing");
            var channel = Assert.Single(t.Channels);
            Assert.Equal(0, channel.BaselineRegister);
            Assert.Equal(channel.BaselineRegister, readings[0].Registers["main"]);
            Assert.Equal(final, readings[^1].Seq);
            Assert.Equal(channel.Register, readings[^1].Registers["main"]);
            Assert.Equal((channel.Usage, 0), ReadingLog.Ledger(mine, t.MeterId)["main"]);
            Assert.True(channel.Usage > 0, $"{t.MeterId} used nothing");
        }
        Assert.Null(fleet.Fault);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task RestartFromTheSameDataDirectory_ContinuesSeqWithoutRepeats_AndTheLedgerStillMatches(bool graceful)
    {
        using var broker = Broker.Start();
        using var dir = new TempDir();
        await using var sub = await Subscriber.StartAsync(broker.Port, "commons/v1/t/#");

        IReadOnlyList<MeterTruth> first;
        await using (var fleet = new MeterFleet(Options(broker.Port, dir.Path)))
        {
            fleet.Start();
            Assert.True(await Eventually.Until(() => fleet.Truth().All(t => t.LastSeq >= 10), Wait), Describe(fleet));
            first = fleet.Truth();
            await fleet.StopAsync(graceful);
        }

        await using var again = new MeterFleet(Options(broker.Port, dir.Path));
        again.Start();
        Assert.True(await Eventually.Until(() => again.Truth().All(t => t.LastSeq >= first.Single(f => f.MeterId == t.MeterId).LastSeq + 10), Wait), Describe(again));
        await again.FreezeAsync();
        Assert.True(await again.WaitForDrainAsync(Wait), Describe(again));
        var truth = again.Truth();
        Assert.True(await sub.WaitAsync(m => truth.All(t => ReadingLog.Decode(m).Any(u => u.Meter == t.MeterId && u.Seq == t.FinalSeq)), Wait));

        var uplinks = ReadingLog.Decode(sub.Messages);
        foreach (var t in truth)
        {
            var mine = uplinks.Where(u => u.Meter == t.MeterId && u.Seq <= t.FinalSeq).ToList();
            var before = first.Single(f => f.MeterId == t.MeterId);
            // An uplink in flight when the first run stopped may come again (QoS 1 redelivery,
            // harmless: (meter, seq) is the gateway's idempotency key), but only as an exact copy.
            foreach (var copies in mine.GroupBy(u => u.Seq))
                Assert.All(copies, c => Assert.Equal((copies.First().Ts, copies.First().Kind), (c.Ts, c.Kind)));
            var seqs = mine.Select(u => u.Seq).Distinct().ToList();
            Assert.True(seqs.Zip(seqs.Skip(1)).All(p => p.First < p.Second), "seq increases across the restart");
            Assert.Contains(seqs, s => s > before.LastSeq);
            var channel = Assert.Single(t.Channels);
            Assert.Equal(0, channel.BaselineRegister); // carried over from the first run
            var ledger = ReadingLog.Ledger(mine, t.MeterId)["main"];
            Assert.Equal(0, ledger.Decreases);
            Assert.Equal(channel.Usage, ledger.Usage);
        }
    }

    [Fact]
    public async Task HundredMeters_ThreeHundredReadingsEach_EveryOneArrives_AndEveryLedgerMatches()
    {
        using var broker = Broker.Start();
        using var dir = new TempDir();
        await using var sub = await Subscriber.StartAsync(broker.Port, "commons/v1/t/#");
        var options = Options(broker.Port, dir.Path, meters: 100);
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = options.Broker, DataDirectory = options.DataDirectory, Community = options.Community, Meters = 100,
            Mix = (6, 3, 1), ReadingIntervalMs = 60_000, ClockSpeed = 3_000, // a reading every 20 ms
            ClockStartUnixMs = options.ClockStartUnixMs, ForestLoadsPerDay = 50, SweepInterval = TimeSpan.FromMilliseconds(10),
        });
        var watch = System.Diagnostics.Stopwatch.StartNew();
        fleet.Start();
        Assert.True(await Eventually.Until(() => fleet.Truth().All(t => t.LastSeq >= 300), TimeSpan.FromMinutes(3)), Describe(fleet));
        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(Wait), Describe(fleet));
        var truth = fleet.Truth();
        Assert.True(await sub.WaitAsync(m => m.Count >= truth.Sum(t => t.FinalSeq!.Value), Wait));
        Assert.True(await sub.WaitAsync(m =>
        {
            var seen = ReadingLog.Decode(m).Select(u => (u.Meter, u.Seq)).ToHashSet();
            return truth.All(t => seen.Contains((t.MeterId, t.FinalSeq!.Value)));
        }, Wait));
        var elapsed = watch.Elapsed;

        var uplinks = ReadingLog.Decode(sub.Messages).ToLookup(u => u.Meter);
        foreach (var t in truth)
        {
            var final = t.FinalSeq!.Value;
            var mine = uplinks[t.MeterId].Where(u => u.Seq <= final).ToList();
            Assert.Equal(Enumerable.Range(1, (int)final).Select(i => (long)i), mine.Select(u => u.Seq).Distinct().Order());
            Assert.True(mine.Count(u => u.Kind == "reading") >= 300 - 5, $"{t.MeterId}: {mine.Count(u => u.Kind == "reading")} readings");
            var channel = t.Channels.Single();
            Assert.Equal((channel.Usage, 0), ReadingLog.Ledger(mine, t.MeterId)["main"]);
        }
        Assert.Null(fleet.Fault);
        var readings = truth.Sum(t => t.FinalSeq!.Value);
        Console.WriteLine($"100 meters: {readings} uplinks in {elapsed.TotalSeconds:F1} s ({readings / elapsed.TotalSeconds:F0}/s)");
    }

    private static string Describe(MeterFleet fleet) =>
        string.Join("; ", fleet.Truth().Select(t => $"{t.MeterId} seq {t.LastSeq} outbox {t.OutboxDepth} connected {t.IsConnected} {t.Fault}"))
        + (fleet.Fault is null ? "" : $" fault: {fleet.Fault}");
}
