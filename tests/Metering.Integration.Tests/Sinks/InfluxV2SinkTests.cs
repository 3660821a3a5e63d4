using Commons.Metering.Testing.Servers;

namespace Commons.Metering.Integration.Tests.Sinks;

/// <summary>The V2 sink (InfluxDB.Client, v2 write API with a token) against a real VictoriaMetrics
/// (Debian package victoria-metrics), checked back sample by sample.</summary>
[Trait("Category", "Integration")]
public sealed class InfluxV2SinkTests : IDisposable
{
    private readonly VictoriaMetrics _vm = VictoriaMetrics.StartNew();
    private readonly LedgerOutbox _outbox = new();

    public void Dispose()
    {
        _outbox.Dispose();
        _vm.Dispose();
    }

    [Fact]
    public async Task VictoriaMetricsDown_RowsWaitInTheOutbox_ThenEveryReadingArrivesOnce()
    {
        var t0Ms = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 - 3600) * 1000;
        IReadOnlyList<string> Readings(int from, int count) => Enumerable.Range(from, count)
            .Select(i => LedgerOutbox.Line("m1", i, i * 10L, 10, t0Ms + i * 1000L)).ToList();
        var settings = new Dictionary<string, string?>
        {
            ["Kind"] = "V2", ["Url"] = _vm.Url, ["Token"] = "t", ["Org"] = "commons", ["Bucket"] = "metering",
            ["FlushIntervalMs"] = "100", ["RequestTimeoutMs"] = "2000", ["MaxRetryAttempts"] = "1",
            ["RetryBaseDelayMs"] = "100", ["RetryMaxDelayMs"] = "200", ["BreakerMinimumThroughput"] = "2",
            ["BreakerBreakDurationMs"] = "1000",
        };
        _outbox.Append(Readings(1, 300));

        await using (var sinks = await SinkHost.StartAsync(_outbox, settings))
        {
            await Wait.UntilAsync(() => sinks.Influx.WrittenTotal == 300, TimeSpan.FromSeconds(10), () => $"{sinks.Influx}");
            _vm.Stop(); // graceful: VictoriaMetrics keeps acknowledged samples (a SIGKILL would lose the last seconds)
            _outbox.Append(Readings(301, 700));
            await Wait.UntilAsync(() => sinks.Influx is { BreakerState: "open", OutboxDepth: 700 },
                TimeSpan.FromSeconds(10), () => $"{sinks.Influx}");
            Assert.Equal(0, sinks.Influx.DeadLetteredTotal); // a refused connection is not a refused line

            _vm.Start();
            await Wait.UntilAsync(() => sinks.Influx.OutboxDepth == 0 && sinks.Influx.BreakerState == "closed",
                TimeSpan.FromSeconds(15), () => $"{sinks.Influx}");
        }

        var series = Assert.Single(await _vm.WaitForSamplesAsync("{__name__=\"reading_seq\"}", 1000));
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (double)i), series.Values);
        Assert.Equal(Enumerable.Range(1, 1000).Select(i => t0Ms + i * 1000L), series.TimestampsMs);
    }

    [Fact]
    public async Task Outbox_DrainsThroughInfluxDBClient_EverySampleExact_AndResentPointsAreStoredOnce()
    {
        // VictoriaMetrics keeps one month by default: recent timestamps, whole seconds.
        var t0Ms = (DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000 - 3600) * 1000;
        const int meters = 3, perMeter = 400;
        var expected = new Dictionary<(string Name, string Meter), SortedDictionary<long, double>>();
        var lines = new List<string>();
        for (var m = 0; m < meters; m++)
        {
            var meter = $"m{m}";
            for (var i = 1; i <= perMeter; i++)
            {
                var ts = t0Ms + i * 1000L;
                long reg = 50_000L * m + i * 250L, usage = 250, seq = i;
                lines.Add(LedgerOutbox.Line(meter, seq, reg, usage, ts, i == 7 ? "register_down" : null));
                Add("reading_reg", meter, ts, reg);
                Add("reading_usage", meter, ts, usage);
                Add("reading_seq", meter, ts, seq);
            }
        }
        _outbox.Append(lines);
        var settings = new Dictionary<string, string?>
        {
            ["Kind"] = "V2",
            ["Url"] = _vm.Url,
            ["Token"] = "test-token",
            ["Org"] = "commons",
            ["Bucket"] = "metering",
            ["BatchSize"] = "500",
            ["FlushIntervalMs"] = "100",
        };

        await using (var sinks = await SinkHost.StartAsync(_outbox, settings))
        {
            await Wait.UntilAsync(() => sinks.Influx.WrittenTotal == lines.Count && sinks.Influx.OutboxDepth == 0,
                TimeSpan.FromSeconds(15), () => $"{sinks.Influx}");
            // At-least-once: the same points again, as after a crash between write and cursor move.
            _outbox.Append(lines);
            await Wait.UntilAsync(() => sinks.Influx.WrittenTotal == 2 * lines.Count && sinks.Influx.OutboxDepth == 0,
                TimeSpan.FromSeconds(15), () => $"{sinks.Influx}");
            Assert.Equal((0L, "closed"), (sinks.Influx.FailedTotal, sinks.Influx.BreakerState));
        }

        var series = await _vm.WaitForSamplesAsync("{__name__=~\"reading_(reg|usage|seq)\"}", 3 * lines.Count);
        var actual = series.ToDictionary(
            s => (s.Name, s.Labels["meter"]),
            s => new SortedDictionary<long, double>(s.TimestampsMs.Zip(s.Values).ToDictionary(p => p.First, p => p.Second)));
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        foreach (var (key, samples) in expected)
        {
            Assert.Equal(samples.Count, series.Single(s => (s.Name, s.Labels["meter"]) == key).Values.Count); // no duplicates
            Assert.Equal(samples, actual[key]);
        }
        Assert.All(series, s => Assert.Equal(("c1", "main", "water"), (s.Labels["community"], s.Labels["channel"], s.Labels["resource"])));
        return;

        void Add(string name, string meter, long ts, long value)
        {
            if (!expected.TryGetValue((name, meter), out var samples)) expected[(name, meter)] = samples = new();
            samples.Add(ts, value);
        }
    }
}
