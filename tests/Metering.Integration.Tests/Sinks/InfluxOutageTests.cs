using System.Diagnostics;
using Commons.Metering.Testing.Servers;
using Xunit.Abstractions;

namespace Commons.Metering.Integration.Tests.Sinks;

/// <summary>"An open breaker toward a sink means spill to disk, never drop": influxd is killed while
/// readings keep arriving, and restarted on the same port and data directory.</summary>
[Trait("Category", "Integration")]
public sealed class InfluxOutageTests : IDisposable
{
    private const string Database = "metering";
    private const long T0Ms = 1_733_000_000_000;
    private readonly Influxd _influxd = Influxd.StartNew();
    private readonly LedgerOutbox _outbox = new();
    private readonly ITestOutputHelper _out;

    public InfluxOutageTests(ITestOutputHelper output) => _out = output;

    public void Dispose()
    {
        _outbox.Dispose();
        _influxd.Dispose();
    }

    [Fact]
    public async Task InfluxdDownUnderLoad_BreakerOpens_RowsAccumulate_ThenEveryRowArrivesExactlyOnce()
    {
        await _influxd.CreateDatabaseAsync(Database);
        var settings = new Dictionary<string, string?>
        {
            ["Kind"] = "V1",
            ["Url"] = _influxd.Url,
            ["Database"] = Database,
            ["BatchSize"] = "500",
            ["FlushIntervalMs"] = "100",
            ["RequestTimeoutMs"] = "2000",
            ["MaxRetryAttempts"] = "1",
            ["RetryBaseDelayMs"] = "100",
            ["RetryMaxDelayMs"] = "200",
            ["BreakerMinimumThroughput"] = "2",
            ["BreakerSamplingDurationMs"] = "5000",
            ["BreakerBreakDurationMs"] = "1000",
        };
        using var stopProducing = new CancellationTokenSource();
        long produced = 0;
        // The ledger's side: a group of 20 readings every 20 ms, bounded to 30 000 rows and 25 s.
        var producer = Task.Run(async () =>
        {
            var clock = Stopwatch.StartNew();
            while (!stopProducing.IsCancellationRequested && produced < 30_000 && clock.Elapsed < TimeSpan.FromSeconds(25))
            {
                var from = Interlocked.Read(ref produced) + 1;
                _outbox.Append(Enumerable.Range(0, 20).Select(i => from + i)
                    .Select(seq => LedgerOutbox.Line("m1", seq, seq * 1000, 1000, T0Ms + seq)).ToList());
                Interlocked.Add(ref produced, 20);
                await Task.Delay(20);
            }
        });

        var clock = Stopwatch.StartNew();
        await using var sinks = await SinkHost.StartAsync(_outbox, settings);
        await Wait.UntilAsync(() => sinks.Influx.WrittenTotal > 200, TimeSpan.FromSeconds(10), () => $"{sinks.Influx}");

        _influxd.Stop();
        _out.WriteLine($"{clock.ElapsedMilliseconds} ms: influxd killed; {sinks.Influx}");
        await Wait.UntilAsync(() => sinks.Influx.BreakerState == "open", TimeSpan.FromSeconds(10), () => $"{sinks.Influx}");
        var producedWhenOpened = Interlocked.Read(ref produced);
        var depthWhenOpened = sinks.Influx.OutboxDepth;
        _out.WriteLine($"{clock.ElapsedMilliseconds} ms: breaker open; {sinks.Influx}");
        await Wait.UntilAsync(() => Interlocked.Read(ref produced) > producedWhenOpened + 1500 && sinks.Influx.OutboxDepth > depthWhenOpened + 1500,
            TimeSpan.FromSeconds(10), () => $"{sinks.Influx}, produced {Interlocked.Read(ref produced)}");
        var waiting = sinks.Influx.OutboxDepth;
        Assert.True(_outbox.Scalar("SELECT COUNT(*) FROM sink_outbox") >= waiting, "undelivered rows were pruned");
        Assert.True(sinks.Influx.FailedTotal > 0);

        _out.WriteLine($"{clock.ElapsedMilliseconds} ms: backlog {waiting} rows; restarting influxd on port {_influxd.Port}");
        _influxd.Start();
        _out.WriteLine($"{clock.ElapsedMilliseconds} ms: influxd answers /ping again");
        stopProducing.Cancel();
        await producer;
        var total = Interlocked.Read(ref produced);
        await Wait.UntilAsync(() => sinks.Influx.OutboxDepth == 0 && sinks.Influx.BreakerState == "closed",
            TimeSpan.FromSeconds(20), () => $"{sinks.Influx}, produced {total}");

        _out.WriteLine($"{clock.ElapsedMilliseconds} ms: drained; produced {total}; {sinks.Influx}");
        var row = Assert.Single(await _influxd.QueryRowsAsync(Database, "SELECT count(reg), sum(seq), sum(usage) FROM reading"));
        Assert.Equal((total, total * (total + 1) / 2, total * 1000),
            (row[1].GetInt64(), row[2].GetInt64(), row[3].GetInt64()));
        Assert.Equal(0, _outbox.Scalar("SELECT COUNT(*) FROM sink_outbox"));
        Assert.Equal(total, _outbox.Scalar("SELECT last_id FROM sink_cursor WHERE sink = 'influx'"));
        Assert.Empty(_outbox.DeadLetters());
    }
}
