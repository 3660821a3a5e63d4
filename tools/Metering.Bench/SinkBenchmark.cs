using System.Diagnostics;
using System.Text;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Sinks;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commons.Metering.Bench;

/// <summary>Issue #6: the InfluxDB sink (outbox in metering.db -> cursor -> retry/breaker pipeline ->
/// influxd 1.x /write -> cursor moved and rows pruned) over the same lines POSTed directly to the
/// same influxd in 5,000-line batches, one after the other. Both into their own database, then
/// both counted back with InfluxQL. Goal: 0.9.</summary>
internal sealed class SinkBenchmark(int lines, TextWriter log)
{
    private const int Batch = 5_000;

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        log.WriteLine($"load: {lines} readings as line protocol, {Batch}-line batches, influxd 1.x /write");
        using var influx = Influxd.StartNew();
        await influx.CreateDatabaseAsync("direct");
        await influx.CreateDatabaseAsync("sink");
        var all = Lines();
        using var http = new HttpClient();
        // influxd creates a shard at the first point of a database: pay that before timing either.
        await influx.QueryAsync(null, "SHOW DATABASES");
        foreach (var db in new[] { "direct", "sink" })
        {
            using var warm = new StringContent(all[0], Encoding.UTF8, "text/plain");
            using var w = await http.PostAsync($"{influx.Url}/write?db={db}&precision=ms", warm, cancel);
            w.EnsureSuccessStatusCode();
        }

        var direct = Stopwatch.StartNew();
        for (var i = 0; i < all.Count; i += Batch)
        {
            using var body = new StringContent(string.Join('\n', all.Skip(i).Take(Batch)), Encoding.UTF8, "text/plain");
            using var r = await http.PostAsync($"{influx.Url}/write?db=direct&precision=ms", body, cancel);
            r.EnsureSuccessStatusCode();
        }
        direct.Stop();

        using var dir = new TempDir("bench-sink");
        var outbox = new SinkOutbox(Path.Combine(dir.Path, SinkConstants.DatabaseFileName));
        Fill(outbox, all);
        var options = new InfluxOptions { Kind = InfluxKind.V1, Url = influx.Url, Database = "sink", BatchSize = Batch };
        using var writer = new InfluxV1Writer(options);
        var drain = new SinkDrain(writer, outbox, options, TimeProvider.System, NullLogger.Instance, [writer.Name]);
        var sink = Stopwatch.StartNew();
        for (var cycles = 0; cycles < all.Count / Batch + 10; cycles++)
        {
            var outcome = await drain.DrainOnceAsync(cancel);
            if (outcome is DrainOutcome.Failed or DrainOutcome.BreakerOpen) throw new InvalidOperationException($"sink drain {outcome}: {drain.Snapshot()}");
            if (outcome is DrainOutcome.Idle or DrainOutcome.Partial) break;
        }
        sink.Stop();

        var directCount = await CountAsync(influx, "direct");
        var sinkCount = await CountAsync(influx, "sink");
        var directRate = all.Count / direct.Elapsed.TotalSeconds;
        var sinkRate = all.Count / sink.Elapsed.TotalSeconds;
        log.WriteLine($"direct batched /write (reference) {directRate,10:F0} lines/s ({direct.Elapsed.TotalSeconds:F2} s), influxd holds {directCount}");
        log.WriteLine($"sink: outbox -> drain -> /write   {sinkRate,10:F0} lines/s ({sink.Elapsed.TotalSeconds:F2} s), influxd holds {sinkCount}  {sinkRate / directRate:F2}x reference");
        const double target = 0.9; // issue #6: the sink at least 0.9x direct batched writes
        var ok = sinkRate / directRate >= target && directCount == all.Count && sinkCount == all.Count;
        log.WriteLine($"target: sink >= {target:F1}x direct, every line stored once: {(ok ? "met" : "NOT met")}");
        return ok ? 0 : 3;
    }

    /// <summary>The outbox rows the ledger would have written: 100 meters, one channel, ms apart.</summary>
    private List<string> Lines()
    {
        var meter = new MeterInfo("m", "bench", Resource.Water);
        var start = DateTimeOffset.UtcNow.AddDays(-1).ToUnixTimeMilliseconds();
        return Enumerable.Range(0, lines).Select(i =>
        {
            var seq = i / 100 + 1;
            var channel = new ChannelRegister("main", Resource.Water, seq * 137L);
            return OutboxLine.For(meter with { Id = $"m-{i % 100:D3}" }, new Reading(seq, start + seq * 1000L, [channel], null), channel, 137, null);
        }).ToList();
    }

    private static void Fill(SinkOutbox outbox, IReadOnlyList<string> all)
    {
        outbox.MaxId(); // creates the schema, as the ledger's store does at open
        using var c = new SqliteConnection($"Data Source={outbox.DatabasePath};Pooling=False");
        c.Open();
        using var tx = c.BeginTransaction();
        using var insert = c.CreateCommand();
        insert.CommandText = "INSERT INTO sink_outbox(line) VALUES ($line)";
        var p = insert.Parameters.Add("$line", SqliteType.Text);
        foreach (var line in all)
        {
            p.Value = line;
            insert.ExecuteNonQuery();
        }
        tx.Commit();
    }

    private static async Task<long> CountAsync(Influxd influx, string database)
    {
        var rows = await influx.QueryRowsAsync(database, "SELECT count(reg) FROM reading");
        return rows.Count == 0 ? 0 : rows[0][1].GetInt64();
    }
}
