using Commons.Metering.Testing.Servers;

namespace Commons.Metering.Integration.Tests.Sinks;

/// <summary>The V1 sink against a real influxd 1.6 (Debian package influxdb), checked back with InfluxQL.</summary>
[Trait("Category", "Integration")]
public sealed class InfluxV1SinkTests : IDisposable
{
    private const string Database = "metering";
    private const long T0Ms = 1_733_000_000_000; // 2024-11-30, inside influxd's infinite autogen policy
    private readonly Influxd _influxd = Influxd.StartNew();
    private readonly LedgerOutbox _outbox = new();

    public void Dispose()
    {
        _outbox.Dispose();
        _influxd.Dispose();
    }

    private Dictionary<string, string?> V1(Dictionary<string, string?>? extra = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Kind"] = "V1",
            ["Url"] = _influxd.Url,
            ["Database"] = Database,
            ["FlushIntervalMs"] = "100",
        };
        foreach (var (k, v) in extra ?? []) settings[k] = v;
        return settings;
    }

    [Fact]
    public async Task Outbox_DrainsIntoInfluxd_InBatches_CountsAndSumsExact_AndIsPruned()
    {
        await _influxd.CreateDatabaseAsync(Database);
        const int meters = 5, perMeter = 2469; // 12 345 rows: three batches of 5000 at most
        long sumUsage = 0, sumSeq = 0, flagged = 0;
        for (var m = 0; m < meters; m++)
        {
            var lines = new List<string>();
            for (var i = 1; i <= perMeter; i++)
            {
                var usage = (i * 37 + m) % 1000;
                var flag = i % 500 == 0 ? "register_down" : null;
                lines.Add(LedgerOutbox.Line($"m{m}", i, 1_000_000L * m + i * 1000L, usage, T0Ms + i * 1000L, flag));
                sumUsage += usage;
                sumSeq += i;
                if (flag is not null) flagged++;
            }
            _outbox.Append(lines);
        }

        await using (var sinks = await SinkHost.StartAsync(_outbox, V1()))
        {
            await Wait.UntilAsync(() => sinks.Influx.WrittenTotal == meters * perMeter && sinks.Influx.OutboxDepth == 0,
                TimeSpan.FromSeconds(20), () => $"{sinks.Influx}");
            Assert.Equal((0L, 0L, "closed"), (sinks.Influx.FailedTotal, sinks.Influx.DeadLetteredTotal, sinks.Influx.BreakerState));
        }

        var row = Assert.Single(await _influxd.QueryRowsAsync(Database,
            "SELECT count(reg), sum(usage), sum(seq), count(flag) FROM reading"));
        Assert.Equal((meters * perMeter, sumUsage, sumSeq, flagged),
            (row[1].GetInt64(), row[2].GetInt64(), row[3].GetInt64(), row[4].GetInt64()));
        var perMeterCounts = await _influxd.QueryRowsAsync(Database, "SELECT count(reg) FROM reading GROUP BY meter");
        Assert.Equal(Enumerable.Repeat((long)perMeter, meters), perMeterCounts.Select(r => r[1].GetInt64()));
        Assert.Equal(0, _outbox.Scalar("SELECT COUNT(*) FROM sink_outbox"));
        Assert.Equal(meters * perMeter, _outbox.Scalar("SELECT last_id FROM sink_cursor WHERE sink = 'influx'"));
    }

    [Fact]
    public async Task RefusedLines_GoToDeadLetter_WithInfluxdsError_AndDoNotBlockTheRest()
    {
        await _influxd.CreateDatabaseAsync(Database);
        var before = Enumerable.Range(1, 100).Select(i => LedgerOutbox.Line("m1", i, i * 1000L, 1000, T0Ms + i * 1000L)).ToList();
        var after = Enumerable.Range(103, 100).Select(i => LedgerOutbox.Line("m1", i, i * 1000L, 1000, T0Ms + i * 1000L)).ToList();
        _outbox.Append(before);
        _outbox.Append([
            "reading,community=c1,meter=m1,channel=main,resource=water reg=12 34i 1733000101000", // unparsable
            "reading,community=c1,meter=m1,channel=main,resource=water reg=\"x\" 1733000102000", // type conflict
        ]);
        _outbox.Append(after);

        await using (var sinks = await SinkHost.StartAsync(_outbox, V1()))
        {
            await Wait.UntilAsync(() => sinks.Influx.OutboxDepth == 0 && sinks.Influx.WrittenTotal == 200,
                TimeSpan.FromSeconds(20), () => $"{sinks.Influx}");
            Assert.Equal((2L, 0L, "closed"), (sinks.Influx.DeadLetteredTotal, sinks.Influx.FailedTotal, sinks.Influx.BreakerState));
        }

        var dead = _outbox.DeadLetters();
        Assert.Equal(new long[] { 101, 102 }, dead.Select(d => d.Id));
        Assert.Contains("unable to parse", dead[0].Error);
        Assert.Contains("field type conflict", dead[1].Error);
        var row = Assert.Single(await _influxd.QueryRowsAsync(Database, "SELECT count(reg), sum(seq) FROM reading"));
        Assert.Equal((200L, (long)Enumerable.Range(1, 100).Sum() + Enumerable.Range(103, 100).Sum()),
            (row[1].GetInt64(), row[2].GetInt64()));
        Assert.Equal(202, _outbox.Scalar("SELECT last_id FROM sink_cursor WHERE sink = 'influx'"));
    }
}
