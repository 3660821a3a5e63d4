using System.Collections.Concurrent;
using System.Diagnostics;
using Commons.Metering.Testing.Servers;

namespace Commons.Metering.Bench;

/// <summary>Soak: the fleet at half the maximum rate measured at the start of the same run,
/// for <c>minutes</c>, through the embedded broker, the gateway and the InfluxDB sink (influxd 1.x).
/// Every interval it prints the gateway's resident memory and managed heap, the ledger queue, the
/// sink outbox (sink_outbox rows), the devices' backlog (readings due but not yet acknowledged:
/// what a real device's outbox would hold) and the PUBACK latency percentiles of that interval. At the
/// end: least-squares slopes of memory over the run (the first interval is warm-up and left out) and
/// a verdict whether memory stayed flat: projected growth over 30 minutes under 5% of the mean (or
/// under 4 MB, whichever is larger; our threshold for "flat").</summary>
internal sealed class SoakBenchmark(int minutes, int meters, int intervalSeconds, double rate, TextWriter log)
{
    private const string Community = "bench";
    private const string Database = "metering";

    private sealed record Sample(double Minutes, long Rss, double Heap);

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        BenchGateway.EnsureOpenFiles((ulong)meters + 1_000, log);
        using var influx = Influxd.StartNew();
        await influx.CreateDatabaseAsync(Database);
        using var gateway = BenchGateway.Start(influx.Url, Database);
        using var http = gateway.CreateHttpClient();
        await using var fleet = await DeviceFleet.ConnectAsync(gateway.BrokerPort, Community, meters, cancel);
        long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        await fleet.PublishAllAsync(1, Now, cancel); // registration and baseline

        var max = rate;
        if (max <= 0)
        {
            const int perDevice = 100;
            var watch = Stopwatch.StartNew();
            await fleet.PublishAllAsync(perDevice, Now, cancel);
            max = meters * perDevice / watch.Elapsed.TotalSeconds;
            log.WriteLine($"maximum rate measured (reference): {max:N0} readings/s ({meters} devices x {perDevice}, one in flight each)");
        }
        var target = max / 2;
        var period = TimeSpan.FromSeconds(meters / target);
        log.WriteLine($"soak: {meters} devices, {target:N0} readings/s (one reading per device every {period.TotalMilliseconds:F0} ms) for {minutes} min, InfluxDB sink on");
        log.WriteLine("   min  committed   rate/s   RSS MB  heap MB  ledger_q  sink_outbox  device_backlog  PUBACK latency");

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        var acked = new long[meters];
        var latencies = new ConcurrentQueue<TimeSpan>();
        var clock = Stopwatch.StartNew();
        TimeSpan Phase(int i) => period * i / meters;
        var devices = Enumerable.Range(0, meters).Select(i => Task.Run(async () =>
        {
            for (long k = 0; !stop.IsCancellationRequested; k++)
            {
                var wait = Phase(i) + period * k - clock.Elapsed;
                try
                {
                    if (wait > TimeSpan.Zero) await Task.Delay(wait, stop.Token);
                    latencies.Enqueue(await fleet.PublishNextAsync(i, Now(), stop.Token));
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return; // MQTTnet reports a cancelled publish as a timeout
                }
                Interlocked.Increment(ref acked[i]);
            }
        }, stop.Token)).ToArray();

        var samples = new List<Sample>();
        double lastCommitted = Prometheus.Sum(await http.GetStringAsync("metrics", cancel), "metering_readings_ingested_total");
        var lastAt = clock.Elapsed;
        var end = TimeSpan.FromMinutes(minutes);
        while (clock.Elapsed < end)
        {
            await Task.Delay(TimeSpan.FromSeconds(intervalSeconds), cancel);
            if (devices.FirstOrDefault(d => d.IsFaulted) is { } failed) await failed;
            var metrics = await http.GetStringAsync("metrics", cancel);
            var now = clock.Elapsed;
            var committed = Prometheus.Sum(metrics, "metering_readings_ingested_total");
            var due = Enumerable.Range(0, meters).Sum(i => Math.Max(0, (long)((now - Phase(i)) / period) + 1));
            var backlog = due - acked.Sum();
            var interval = new List<TimeSpan>();
            while (latencies.TryDequeue(out var l)) interval.Add(l);
            var sample = new Sample(now.TotalMinutes, BenchGateway.Rss(gateway), Prometheus.Sum(metrics, "metering_gc_heap_bytes"));
            samples.Add(sample);
            log.WriteLine($"{sample.Minutes,6:F1} {committed,10:F0} {(committed - lastCommitted) / (now - lastAt).TotalSeconds,8:F0} " +
                          $"{sample.Rss / 1048576.0,8:F1} {sample.Heap / 1048576.0,8:F1} {Prometheus.Sum(metrics, "metering_ledger_queue_depth"),9:F0} " +
                          $"{Prometheus.Sum(metrics, "metering_sink_outbox_rows"),12:F0} {Math.Max(0, backlog),15}  {Latency.Describe(interval)}");
            lastCommitted = committed;
            lastAt = now;
        }
        await stop.CancelAsync();
        await Task.WhenAll(devices);

        var steady = samples.Skip(1).ToList();
        if (steady.Count < 3)
        {
            log.WriteLine("too few intervals for a verdict: run longer or with a shorter --interval-s");
            return 3;
        }
        var rssFlat = Verdict("resident memory", steady.Select(s => (s.Minutes, (double)s.Rss)).ToList());
        var heapFlat = Verdict("managed heap", steady.Select(s => (s.Minutes, s.Heap)).ToList());
        var ok = rssFlat && heapFlat;
        log.WriteLine($"memory flat over {minutes} min: {(ok ? "yes" : "NO")}");
        return ok ? 0 : 3;
    }

    private bool Verdict(string what, IReadOnlyList<(double Minutes, double Bytes)> points)
    {
        var mx = points.Average(p => p.Minutes);
        var my = points.Average(p => p.Bytes);
        var slope = points.Sum(p => (p.Minutes - mx) * (p.Bytes - my)) / points.Sum(p => (p.Minutes - mx) * (p.Minutes - mx)); // bytes per minute
        var growth30 = slope * 30;
        var allowed = Math.Max(0.05 * my, 4 * 1048576.0);
        var flat = growth30 < allowed;
        log.WriteLine($"{what}: mean {my / 1048576.0:F1} MB, slope {slope * 60 / 1048576.0:F2} MB/h, projected over 30 min {growth30 / 1048576.0:F2} MB " +
                      $"(flat below {allowed / 1048576.0:F1} MB): {(flat ? "flat" : "GROWING")}");
        return flat;
    }
}
