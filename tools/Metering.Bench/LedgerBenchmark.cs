using System.Buffers;
using System.Diagnostics;
using System.Text;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Options;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Bench;

/// <summary>The ledger alone: readings/s through the in-process ingest pipeline and the single
/// SQLite writer (synchronous=FULL, sink outbox rows written), from N devices with one reading
/// in flight each, as the embedded broker feeds it; no MQTT, no HTTP. Reference, same run and
/// disk: the least a durable ledger must do, one prepared INSERT of (meter, seq, register) per
/// reading in transactions of the same mean size, synchronous=FULL. The ratio says how much the
/// ledger's bookkeeping (usage, hourly sums, state, sink rows) costs over that floor.</summary>
internal sealed class LedgerBenchmark(int meters, int readingsPerMeter, TextWriter log)
{
    private const string Community = "bench";

    public async Task<int> RunAsync()
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        var total = (long)meters * readingsPerMeter;
        log.WriteLine($"load: {meters} devices x {readingsPerMeter} readings = {total} readings, one in flight per device, synchronous=FULL");
        var payloads = Payloads();

        await using var gateway = new InProcessIngestLedger(TimeProvider.System, SqliteSynchronous.Full, withSinkOutbox: true, perMeterRateLimit: false);
        await gateway.StartAsync();
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, meters).Select(m => Task.Run(async () =>
        {
            var topic = $"commons/v1/{Community}/m-{m:D5}/up/reading";
            foreach (var payload in payloads[m])
            {
                var result = await gateway.Pipeline.HandleAsync(topic, new ReadOnlySequence<byte>(payload), CancellationToken.None);
                if (result.Status != IngestStatus.Committed) throw new InvalidOperationException($"{topic}: {result.Status} {result.Reason}");
            }
        })));
        watch.Stop();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;
        var m = await gateway.Metrics.ToTextAsync();
        var batches = Prometheus.Sum(m, "metering_ledger_commit_batch_size_count");
        var meanBatch = Math.Max(1, (int)Math.Round(Prometheus.Sum(m, "metering_ledger_commit_batch_size_sum") / Math.Max(1, batches)));
        var busy = Prometheus.Sum(m, "metering_ledger_commit_seconds_sum");
        var ledgerRate = total / watch.Elapsed.TotalSeconds;
        log.WriteLine($"ledger: {ledgerRate,10:F0} readings/s ({watch.Elapsed.TotalSeconds:F2} s); {batches} transactions, mean batch {meanBatch}, " +
                      $"writer busy {busy:F2} s = {busy * 1e6 / total:F0} us per reading; process CPU {cpu.TotalMilliseconds * 1e3 / total:F0} us per reading");

        var floor = RawInserts(gateway.DataDirectory, total, meanBatch);
        var floorRate = total / floor.TotalSeconds;
        log.WriteLine($"floor: {floorRate,10:F0} readings/s ({floor.TotalSeconds:F2} s) = {floor.TotalMilliseconds * 1e3 / total:F0} us per reading; one INSERT per reading, same batches (reference)");
        log.WriteLine($"ratio: ledger writer busy / floor time = {busy / floor.TotalSeconds:F2}x");
        return 0;
    }

    private byte[][][] Payloads()
    {
        var startMs = DateTimeOffset.UtcNow.AddHours(-6).ToUnixTimeMilliseconds();
        return Enumerable.Range(0, meters).Select(m => Enumerable.Range(1, readingsPerMeter).Select(seq =>
            Encoding.UTF8.GetBytes($"{{\"v\":1,\"seq\":{seq},\"ts\":{startMs + seq * 1000L},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{seq * 137L}}}]}}"))
            .ToArray()).ToArray();
    }

    private static TimeSpan RawInserts(string directory, long total, int batch)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(directory, "floor.db")};Pooling=False");
        c.Open();
        using (var pragma = c.CreateCommand())
        {
            pragma.CommandText = "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; CREATE TABLE r(meter TEXT NOT NULL, seq INTEGER NOT NULL, reg INTEGER NOT NULL, PRIMARY KEY (meter, seq)) WITHOUT ROWID;";
            pragma.ExecuteNonQuery();
        }
        using var insert = c.CreateCommand();
        insert.CommandText = "INSERT INTO r(meter, seq, reg) VALUES ($m, $s, $r)";
        var pm = insert.Parameters.Add("$m", SqliteType.Text);
        var ps = insert.Parameters.Add("$s", SqliteType.Integer);
        var pr = insert.Parameters.Add("$r", SqliteType.Integer);
        insert.Prepare();
        var watch = Stopwatch.StartNew();
        for (long done = 0; done < total;)
        {
            using var tx = c.BeginTransaction();
            insert.Transaction = tx;
            for (var i = 0; i < batch && done < total; i++, done++)
            {
                pm.Value = $"m-{done % 100:D5}";
                ps.Value = done;
                pr.Value = done * 137;
                insert.ExecuteNonQuery();
            }
            tx.Commit();
        }
        return watch.Elapsed;
    }
}
