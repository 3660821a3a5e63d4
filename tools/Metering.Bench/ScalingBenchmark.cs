using System.Diagnostics;
using Commons.Metering.Testing;

namespace Commons.Metering.Bench;

/// <summary>Connection scaling: readings/s committed with <c>many</c> connected devices
/// (10,000) over the rate with <c>few</c> (100), for the same total number of readings through the
/// embedded broker and the gateway (Release build, a fresh process and data directory each).
/// Each device first sends one untimed reading (registration and baseline), then the timed part:
/// every device publishes its share one after another, one in flight, as fast as PUBACKs come back.
/// Goal: many/few >= 0.8. Loopback only; the open-files limit is raised in-process when needed.</summary>
internal sealed class ScalingBenchmark(int few, int many, int readings, TextWriter log)
{
    private const string Community = "bench";
    private const double Goal = 0.8; // the project's goal, as for e2e
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        // One socket per device on each end of loopback, both inherit this limit, plus the gateway's files.
        BenchGateway.EnsureOpenFiles((ulong)many + 1_000, log);
        var reference = await RunOnceAsync(few, cancel);
        var scaled = await RunOnceAsync(many, cancel);
        var ratio = scaled / reference;
        var ok = ratio >= Goal;
        log.WriteLine($"ratio {many:N0} devices / {few:N0} devices: {ratio:F2}x  target >= {Goal:F1}x: {(ok ? "met" : "NOT met")}");
        return ok ? 0 : 3;
    }

    private async Task<double> RunOnceAsync(int devices, CancellationToken cancel)
    {
        var perDevice = Math.Max(1, readings / devices);
        using var gateway = BenchGateway.Start();
        using var http = gateway.CreateHttpClient();
        var rssIdle = BenchGateway.Rss(gateway);
        var connecting = Stopwatch.StartNew();
        await using var fleet = await DeviceFleet.ConnectAsync(gateway.BrokerPort, Community, devices, cancel);
        connecting.Stop();
        var t0 = DateTimeOffset.UtcNow.AddHours(-1).ToUnixTimeMilliseconds();
        long tick = 0;
        long Ts() => t0 + Interlocked.Increment(ref tick);
        await fleet.PublishAllAsync(1, Ts, cancel); // warm-up: registration and baseline, untimed
        var rssConnected = BenchGateway.Rss(gateway);

        var watch = Stopwatch.StartNew();
        var latencies = await fleet.PublishAllAsync(perDevice, Ts, cancel).WaitAsync(Deadline, cancel);
        watch.Stop();
        var total = (long)devices * perDevice;
        var committed = Prometheus.Sum(await http.GetStringAsync("metrics", cancel), "metering_readings_ingested_total");
        if (committed < total + devices) throw new InvalidOperationException($"the gateway committed {committed}, expected {total + devices}:\n{gateway.Output}");
        var rate = total / watch.Elapsed.TotalSeconds;
        log.WriteLine($"{devices,6:N0} devices x {perDevice,4} readings = {total:N0}: {rate,8:N0} readings/s ({watch.Elapsed.TotalSeconds:F2} s); " +
                      $"PUBACK latency {Latency.Describe(latencies)}; connected in {connecting.Elapsed.TotalSeconds:F1} s; " +
                      $"gateway RSS idle {BenchGateway.Mb(rssIdle)}, with the devices connected {BenchGateway.Mb(rssConnected)}, after {BenchGateway.Mb(BenchGateway.Rss(gateway))}");
        return rate;
    }
}
