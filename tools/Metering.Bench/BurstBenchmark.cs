using System.Diagnostics;

namespace Commons.Metering.Bench;

/// <summary>Burst: every meter of a fleet (10,000) reports within a window (10 s), as a
/// village does when power returns or at the top of the hour. Each device sends one reading at its
/// own moment, spread evenly over the window in a shuffled order. Reports the time from the first
/// publish until every reading is committed (the embedded broker's PUBACK comes after the commit,
/// checked against /metrics), the PUBACK latencies, and the gateway's peak resident memory during
/// the burst (VmHWM, reset just before). Reference measured in the same run: the offered rate, so
/// "committed within the window" shows as a ratio near 1.0. The meters are registered and have a
/// baseline (one untimed reading each) before the burst.</summary>
internal sealed class BurstBenchmark(int meters, int windowSeconds, TextWriter log)
{
    private const string Community = "bench";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        BenchGateway.EnsureOpenFiles((ulong)meters + 1_000, log);
        using var gateway = BenchGateway.Start();
        using var http = gateway.CreateHttpClient();
        await using var fleet = await DeviceFleet.ConnectAsync(gateway.BrokerPort, Community, meters, cancel);
        var t0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        await fleet.PublishAllAsync(1, () => t0, cancel); // registration and baseline, untimed
        var resetOk = BenchGateway.ResetPeakRss(gateway);
        var before = BenchGateway.Rss(gateway);

        var order = Enumerable.Range(0, meters).ToArray();
        new Random(6).Shuffle(order); // fixed seed: the same burst every run
        var window = TimeSpan.FromSeconds(windowSeconds);
        var latencies = new TimeSpan[meters];
        var watch = Stopwatch.StartNew();
        var done = new Task[meters];
        for (var k = 0; k < meters; k++)
        {
            var at = window * k / meters;
            var wait = at - watch.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1)) await Task.Delay(wait, cancel);
            var device = order[k];
            var ts = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            done[k] = Task.Run(async () => latencies[device] = await fleet.PublishNextAsync(device, ts, cancel), cancel);
        }
        var offeredFor = watch.Elapsed;
        await Task.WhenAll(done).WaitAsync(Deadline, cancel);
        var allCommitted = watch.Elapsed;
        var peak = BenchGateway.PeakRss(gateway);
        var committed = Prometheus.Sum(await http.GetStringAsync("metrics", cancel), "metering_readings_ingested_total");
        if (committed != 2L * meters) throw new InvalidOperationException($"the gateway committed {committed} readings, expected {2L * meters}");

        log.WriteLine($"burst: {meters:N0} meters, one reading each, spread over {windowSeconds} s (offered {meters / offeredFor.TotalSeconds:N0} readings/s for {offeredFor.TotalSeconds:F2} s)");
        log.WriteLine($"  all committed {allCommitted.TotalSeconds:F2} s after the first publish ({(allCommitted - offeredFor).TotalMilliseconds:F0} ms after the last); " +
                      $"committed rate {meters / allCommitted.TotalSeconds:N0}/s = {offeredFor / allCommitted:F2}x the offered rate (reference)");
        log.WriteLine($"  PUBACK latency {Latency.Describe(latencies)}");
        log.WriteLine($"  gateway memory: {BenchGateway.Mb(before)} resident before, peak {BenchGateway.Mb(peak)} during the burst" +
                      (resetOk ? "" : " (peak since start: /proc/pid/clear_refs not writable)"));
        var ok = allCommitted <= window + TimeSpan.FromSeconds(1);
        log.WriteLine($"every reading committed within the window + 1 s: {(ok ? "yes" : "NO")}");
        return ok ? 0 : 3;
    }
}
