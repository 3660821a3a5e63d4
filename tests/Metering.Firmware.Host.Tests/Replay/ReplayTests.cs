using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Replay;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Mqtt;

namespace Commons.Metering.Tests.Replay;

[Trait("Category", "Integration")]
public sealed class ReplayTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task DaiadSlice_ThroughTheCoreAndMosquitto_GivesTheExpectedLedger_DecreasesIncluded()
    {
        var data = DaiadCsv.Read(TestData.DaiadSlice);
        await AssertReplayMatchesTheDataset(data, MeterKind.Water);
    }

    [Fact]
    public async Task OpsdHome4Slice_NineCircuitsInOneReading_GivesTheExpectedLedger()
    {
        var data = OpsdCsv.Read(TestData.OpsdHome4Slice);
        await AssertReplayMatchesTheDataset(data, MeterKind.Energy);
    }

    [Fact]
    public void ShiftEndingAt_PutsTheLastRowAMinuteBeforeNow()
    {
        var rows = DaiadCsv.Read(TestData.DaiadSlice).Rows;
        const long now = 1_764_245_400_000;
        var shift = DatasetReplayer.ShiftEndingAt(rows, now);
        Assert.Equal(now - 60_000, rows.Max(r => r.UnixMs) + shift);
    }

    private static async Task AssertReplayMatchesTheDataset(Dataset data, MeterKind kind)
    {
        using var broker = Broker.Start();
        using var dir = new TempDir();
        await using var sub = await Subscriber.StartAsync(broker.Port, "commons/v1/r/#");
        var shift = DatasetReplayer.ShiftEndingAt(data.Rows, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        var result = await DatasetReplayer.RunAsync(data.Rows, kind, new ReplayOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port },
            DataDirectory = dir.Path,
            Community = "r",
            TimeShiftMs = shift,
        });
        Assert.Null(result.Fault);
        Assert.True(result.Drained);
        Assert.Equal(data.Rows.Count, result.RowsFed);

        var expected = ExpectedLedger.Compute(data.Rows);
        var readingsPerMeter = data.Rows.GroupBy(r => r.MeterId).ToDictionary(g => g.Key, g => g.Select(r => r.UnixMs).Distinct().Count());
        Assert.True(await sub.WaitAsync(m => readingsPerMeter.All(kv =>
            ReadingLog.Decode(m).Where(u => u.Meter == kv.Key && u.Kind == "reading").Select(u => u.Seq).Distinct().Count() >= kv.Value), Wait));

        var uplinks = ReadingLog.Decode(sub.Messages);
        foreach (var meter in readingsPerMeter.Keys)
        {
            var readings = uplinks.Where(u => u.Meter == meter && u.Kind == "reading").GroupBy(u => u.Seq).Select(g => g.First()).ToList();
            // One reading per row time, stamped with that time (shifted; the core may add a few ms
            // to keep ts strictly increasing after its boot event), carrying that row's registers.
            var times = data.Rows.Where(r => r.MeterId == meter).GroupBy(r => r.UnixMs + shift).OrderBy(g => g.Key).ToList();
            Assert.Equal(times.Count, readings.Count);
            foreach (var (time, reading) in times.Zip(readings))
            {
                Assert.InRange(reading.Ts - time.Key, 0, 9);
                foreach (var row in time) Assert.Equal(row.Register, reading.Registers[row.Channel]);
            }
            var ledger = ReadingLog.Ledger(uplinks, meter);
            foreach (var c in expected.Channels.Where(c => c.MeterId == meter))
            {
                Assert.Equal((c.Usage, c.Decreases), ledger[c.Channel]);
                var device = result.Meters.Single(m => m.MeterId == meter).Channel(c.Channel);
                Assert.Equal((c.FirstRegister, c.LastRegister), (device.BaselineRegister, device.Register));
            }
        }
        Assert.Equal(expected.TotalDecreases, expected.Channels.Sum(c => ReadingLog.Ledger(uplinks, c.MeterId)[c.Channel].Decreases));
    }
}
