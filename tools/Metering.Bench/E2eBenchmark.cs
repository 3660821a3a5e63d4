using System.Diagnostics;
using System.Runtime;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;

namespace Commons.Metering.Bench;

/// <summary>End-to-end readings/s (publish -> ledger commit -> InfluxDB accepted) with the
/// embedded broker and with mosquitto, each next to its broker's own delivery rate to a plain
/// subscriber (broker only), all measured in this run with the same load.</summary>
internal sealed class E2eBenchmark(int meters, int readingsPerMeter, bool withSink, TextWriter log,
    int warmupPerMeter = E2eBenchmark.DefaultWarmup, int maxWarmupPerMeter = E2eBenchmark.DefaultMaxWarmup)
{
    /// <summary>Readings per meter in each warm-up step. Every run (reference included) warms up
    /// before the clock starts: a gateway runs for months, so the figure that matters is its steady
    /// state, not the first seconds in which .NET compiles and re-compiles the hot paths (tiered JIT)
    /// and MQTTnet's and SQLite's caches fill. The warm-up goes on, step by step, until the JIT has
    /// settled (<see cref="WarmUpAsync"/>); the bench's own MQTT clients warm up the same way.</summary>
    public const int DefaultWarmup = 100;

    /// <summary>Warm-up readings per meter at most; a run that reaches it says the JIT did not settle.</summary>
    public const int DefaultMaxWarmup = 3000;

    /// <summary>Settled: two steps in a row in which the JIT took at most this share of the step's
    /// time, in the gateway and in the bench. With a fixed 100 readings per meter instead, the
    /// gateway's tiered JIT still compiled ~2,500 methods at tier 1 during the timed part, in bursts of
    /// up to 60% of a core, on a machine whose two cores the run saturates (docs/benchmarks.md).</summary>
    private const double SettledJitShare = 0.01;
    private const int SettledSteps = 2;

    /// <summary>`e2e`'s timed readings per meter (Program.cs says why).</summary>
    public const int DefaultReadingsPerMeter = 2000;

    private const string Community = "bench";
    private const string Database = "metering";
    private static readonly TimeSpan Deadline = TimeSpan.FromMinutes(5);
    private readonly long _startUnixMs = DateTimeOffset.UtcNow.AddHours(-6).ToUnixTimeMilliseconds();

    public sealed record Result(string Name, long Readings, TimeSpan Elapsed)
    {
        public double Rate => Readings / Elapsed.TotalSeconds;
    }

    /// <summary>mosquitto's own delivery rate of the load to a plain subscriber: the reference of the
    /// external path, and the stricter one of the embedded path (<see cref="RunAsync"/>).</summary>
    public async Task<Result> BrokerOnlyAsync(CancellationToken cancel)
    {
        using var mosquitto = new Mosquitto();
        mosquitto.Start();
        return await DeliverAsync(mosquitto.Port, mosquitto.Pid, "broker only: mosquitto -> mosquitto_sub (reference)", cancel);
    }

    /// <summary>The embedded broker's own delivery rate of the load to a plain subscriber: the
    /// gateway's MQTTnet server with the gateway's options and nothing else (`broker`,
    /// <see cref="BareBroker"/>), in a process of its own with the gateway's runtime settings (server
    /// GC, as the web SDK sets for the gateway).</summary>
    public async Task<Result> EmbeddedBrokerOnlyAsync(CancellationToken cancel)
    {
        var port = FreePort.Next();
        using var broker = new ServerProcess("embedded broker alone", "dotnet", "dotnet-sdk-10.0",
            [typeof(BareBroker).Assembly.Location, "broker", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)],
            port, environment: new Dictionary<string, string> { ["DOTNET_gcServer"] = "1" });
        broker.Start();
        var result = await DeliverAsync(port, broker.Pid, "broker only: embedded broker -> mosquitto_sub (reference)", cancel);
        broker.Terminate();
        return result;
    }

    /// <summary>A broker's own delivery rate: the load to a plain subscriber that does nothing but
    /// receive, mosquitto_sub (C, QoS 1), so the reference measures the broker and not a .NET client.
    /// Timed from the first publish until mosquitto_sub has received every reading. Prints the
    /// broker's CPU per reading and the bench's (its MQTT clients) over the timed part.</summary>
    private async Task<Result> DeliverAsync(int port, int? brokerPid, string name, CancellationToken cancel)
    {
        var total = (long)meters * readingsPerMeter;
        // stdbuf -oL: mosquitto_sub's stdout is a pipe here, which C buffers; line buffering lets
        // the SUBACK line through as soon as it is printed.
        var psi = new ProcessStartInfo(ServerProcess.Require("stdbuf", "coreutils"))
        {
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { "-oL", ServerProcess.Require("mosquitto_sub", "mosquitto-clients"), "-h", "127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "-q", "1", "-i", "bench-subscriber", "-d", "-t", $"commons/v1/{Community}/+/up/reading" })
            psi.ArgumentList.Add(a);
        using var subscriber = Process.Start(psi)!;
        var subscribed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var received = new Arrivals();
        var drain = Task.Run(async () =>
        {
            // -d prints "... received SUBACK" once the subscription stands and "... received PUBLISH"
            // for each message; the payloads are discarded.
            while (await subscriber.StandardOutput.ReadLineAsync(cancel) is { } line)
            {
                if (line.Contains("SUBACK", StringComparison.Ordinal)) subscribed.TrySetResult();
                else if (line.Contains("received PUBLISH", StringComparison.Ordinal)) received.Add();
            }
        }, cancel);
        await subscribed.Task.WaitAsync(TimeSpan.FromSeconds(10), cancel);

        await using var load = await LoadPublisher.ConnectAsync(port, Community, meters, maxWarmupPerMeter + readingsPerMeter, _startUnixMs, cancel);
        var warm = await WarmUpAsync(load, n => received.WhenAsync(n).WaitAsync(Deadline, cancel), gatewayJitSeconds: null, cancel);
        var warmup = (long)meters * warm.PerMeter;
        using var brokerOs = Process.GetProcessById(brokerPid ?? throw new InvalidOperationException($"{name}: broker not running"));
        var cpu = new CpuPerReading(brokerOs);
        var benchJit = JitInfo.GetCompilationTime();
        var watch = Stopwatch.StartNew();
        await load.PublishAsync(warm.PerMeter, readingsPerMeter, cancel);
        await received.WhenAsync(warmup + total).WaitAsync(Deadline, cancel);
        watch.Stop();
        var (brokerUs, benchUs) = cpu.Stop(total);
        benchJit = JitInfo.GetCompilationTime() - benchJit;
        subscriber.Kill();
        await drain;
        log.WriteLine($"  broker CPU {brokerUs:F0} us per reading, bench (its MQTT clients) {benchUs:F0} us");
        log.WriteLine($"  {warm}; JIT during the timed part: bench {benchJit.TotalSeconds:F2} s");
        return new Result(name, total, watch.Elapsed);
    }

    public async Task<Result> GatewayAsync(bool external, CancellationToken cancel, string? policyFile = null)
    {
        using var influx = Influxd.StartNew();
        await influx.CreateDatabaseAsync(Database);
        using var mosquitto = external ? new Mosquitto() : null;
        mosquitto?.Start();
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Metering__Influx__Kind"] = withSink ? "V1" : "None";
        gateway.Environment["Metering__Influx__Url"] = influx.Url;
        gateway.Environment["Metering__Influx__Database"] = Database;
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        // The per-meter rate limit protects a village from one flooding device; here it would
        // measure the limit, not the pipeline.
        gateway.Environment["Metering__Broker__RateLimitPerMeterPerSecond"] = "0";
        if (policyFile is not null) gateway.Environment["Metering__Policy__File"] = policyFile;
        if (mosquitto is not null)
        {
            gateway.Environment["Metering__Broker__Mode"] = "External";
            gateway.Environment["Metering__Broker__Port"] = mosquitto.Port.ToString();
        }
        gateway.Start();
        var brokerPort = mosquitto?.Port ?? gateway.BrokerPort;
        var total = (long)meters * readingsPerMeter;
        using var http = gateway.CreateHttpClient();

        await using var load = await LoadPublisher.ConnectAsync(brokerPort, Community, meters, maxWarmupPerMeter + readingsPerMeter, _startUnixMs, cancel);
        var warm = await WarmUpAsync(load, n => WaitUntilDoneAsync(http, n, policyFile is not null, Stopwatch.StartNew(), gateway, cancel),
            async () => Prometheus.Sum(await http.GetStringAsync("metrics", cancel), "metering_process_jit_seconds_total"), cancel);
        var warmup = (long)meters * warm.PerMeter;
        var before = await http.GetStringAsync("metrics", cancel);

        using var gatewayOs = Process.GetProcessById(gateway.Pid ?? throw new InvalidOperationException("gateway not running"));
        var cpu = new CpuPerReading(gatewayOs);
        var benchJit = JitInfo.GetCompilationTime();
        var watch = Stopwatch.StartNew();
        var publishing = load.PublishAsync(warm.PerMeter, readingsPerMeter, cancel);
        var ledgerDone = await WaitUntilDoneAsync(http, warmup + total, policyFile is not null, watch, gateway, cancel, publishing);
        watch.Stop();
        benchJit = JitInfo.GetCompilationTime() - benchJit;
        // The gateway's own CPU per reading (user + system, all threads): unlike a rate, it does not
        // move with what else the machine is doing, so it shows a change in the gateway's cost.
        var (cpuPerReadingUs, benchUs) = cpu.Stop(total);
        await publishing;
        total += warmup; // InfluxDB and the ledger hold the warm-up readings too

        // Honesty check: InfluxDB holds every reading exactly once.
        var rows = await influx.QueryRowsAsync(Database, "SELECT count(reg) FROM reading");
        var stored = rows.Count == 0 ? 0 : rows[0][1].GetInt64();
        if (withSink && stored != total) throw new InvalidOperationException($"InfluxDB holds {stored} readings, expected {total}");
        var name = external ? "end to end: mosquitto -> gateway -> ledger -> influxd" : "end to end: embedded broker -> ledger -> influxd";
        if (!withSink) name = name.Replace(" -> influxd", "", StringComparison.Ordinal);
        if (policyFile is not null) name += " + policy";
        var final = await http.GetStringAsync("metrics", cancel);
        if (policyFile is not null) LastPolicyMetrics = final;
        // Transactions and writer time of the timed part only (the warm-up's subtracted).
        double Timed(string metric) => Prometheus.Sum(final, metric) - Prometheus.Sum(before, metric);
        var batches = Math.Max(1, Timed("metering_ledger_commit_batch_size_count"));
        log.WriteLine($"  ledger committed all after {ledgerDone.TotalSeconds:F2} s, InfluxDB after {watch.Elapsed.TotalSeconds:F2} s; " +
                      $"{batches:F0} transactions, mean batch {Timed("metering_ledger_commit_batch_size_sum") / batches:F0}, " +
                      $"writer busy {Timed("metering_ledger_commit_seconds_sum"):F2} s; gateway CPU {cpuPerReadingUs:F0} us per reading, bench {benchUs:F0} us");
        log.WriteLine($"  {warm}; JIT during the timed part: gateway {Timed("metering_process_jit_seconds_total"):F2} s, bench {benchJit.TotalSeconds:F2} s");
        // What the gateway warned about during the run (it logs at Warning and above here): a
        // reconnect or a held ledger explains a slow run. (ASP.NET's note about unencrypted
        // data-protection keys comes at every start and says nothing about the run.)
        var warnings = gateway.Output.Split('\n')
            .Where(l => (l.Contains("warn:", StringComparison.Ordinal) || l.Contains("fail:", StringComparison.Ordinal)) && !l.Contains("DataProtection", StringComparison.Ordinal))
            .ToList();
        if (warnings.Count > 0)
        {
            log.WriteLine($"  gateway logged {warnings.Count} warnings or errors; the first:");
            foreach (var w in warnings.Take(3)) log.WriteLine($"    {w.Trim()}");
        }
        return new Result(name, total - warmup, watch.Elapsed);
    }

    /// <summary>How a run warmed up: readings per meter, time, and whether the JIT settled.</summary>
    private sealed record WarmUp(int PerMeter, TimeSpan Elapsed, bool Settled)
    {
        public override string ToString() =>
            $"warm-up {PerMeter} readings per meter in {Elapsed.TotalSeconds:F1} s, {(Settled ? "JIT settled" : "JIT NOT settled (--max-warmup reached)")}";
    }

    /// <summary>Sends warm-up steps of <c>warmupPerMeter</c> readings per meter, each awaited until
    /// <paramref name="processed"/> says the readings so far arrived, until the JIT took at most
    /// <see cref="SettledJitShare"/> of the step's time in <see cref="SettledSteps"/> steps in a row,
    /// in the bench (JitInfo) and in the gateway (its /metrics), or <c>maxWarmupPerMeter</c> is reached.</summary>
    private async Task<WarmUp> WarmUpAsync(LoadPublisher load, Func<long, Task> processed, Func<Task<double>>? gatewayJitSeconds, CancellationToken cancel)
    {
        var watch = Stopwatch.StartNew();
        var sent = 0;
        var quiet = 0;
        while (warmupPerMeter > 0 && sent + warmupPerMeter <= maxWarmupPerMeter)
        {
            var step = Stopwatch.StartNew();
            var benchJit = JitInfo.GetCompilationTime();
            var gatewayJit = gatewayJitSeconds is null ? 0 : await gatewayJitSeconds();
            await load.PublishAsync(sent, warmupPerMeter, cancel);
            sent += warmupPerMeter;
            await processed((long)meters * sent);
            var limit = SettledJitShare * step.Elapsed.TotalSeconds;
            var benchQuiet = (JitInfo.GetCompilationTime() - benchJit).TotalSeconds <= limit;
            var gatewayQuiet = gatewayJitSeconds is null || await gatewayJitSeconds() - gatewayJit <= limit;
            quiet = benchQuiet && gatewayQuiet ? quiet + 1 : 0;
            if (quiet >= SettledSteps) return new WarmUp(sent, watch.Elapsed, Settled: true);
        }
        return new WarmUp(sent, watch.Elapsed, Settled: false);
    }

    /// <summary>CPU time (user + system, all threads) per reading over the timed part, of a server
    /// process and of this one (the load's MQTT clients; in a gateway run also its /metrics polls):
    /// with two cores shared by all of them, where a reading's CPU goes says what limits the rate.</summary>
    internal sealed class CpuPerReading(Process server)
    {
        private readonly TimeSpan _server = server.TotalProcessorTime;
        private readonly TimeSpan _bench = SelfCpu();

        private static TimeSpan SelfCpu()
        {
            using var self = Process.GetCurrentProcess();
            return self.TotalProcessorTime;
        }

        public (double ServerUs, double BenchUs) Stop(long readings)
        {
            server.Refresh();
            return ((server.TotalProcessorTime - _server).TotalMicroseconds / readings, (SelfCpu() - _bench).TotalMicroseconds / readings);
        }
    }

    /// <summary>Messages the reference's subscriber received, and a wait for a count.</summary>
    private sealed class Arrivals
    {
        private readonly Lock _lock = new();
        private long _count;
        private (long Target, TaskCompletionSource Done)? _waiter;

        public void Add()
        {
            lock (_lock)
            {
                _count++;
                if (_waiter is not { } w || _count < w.Target) return;
                w.Done.TrySetResult();
                _waiter = null;
            }
        }

        public Task WhenAsync(long target)
        {
            lock (_lock)
            {
                if (_count >= target) return Task.CompletedTask;
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiter = (target, done);
                return done.Task;
            }
        }
    }

    /// <summary>Polls /metrics until the ledger committed (and the policy runtime evaluated, and InfluxDB
    /// accepted) <paramref name="readings"/> readings in all; returns when the ledger alone was done.</summary>
    private async Task<TimeSpan> WaitUntilDoneAsync(HttpClient http, long readings, bool withPolicy, Stopwatch watch,
        GatewayProcess gateway, CancellationToken cancel, Task? publishing = null)
    {
        TimeSpan? ledgerDone = null;
        while (true)
        {
            if (watch.Elapsed > Deadline) throw new TimeoutException($"not all readings committed and written in {Deadline}:\n{gateway.Output}");
            if (publishing is { IsFaulted: true }) await publishing;
            var metrics = await http.GetStringAsync("metrics", cancel);
            var committed = Prometheus.Sum(metrics, "metering_readings_ingested_total");
            var written = Prometheus.Sum(metrics, "metering_sink_written_total");
            // With a policy, done means evaluated too (the registrations and readings are all writes).
            var evaluated = !withPolicy || Prometheus.Sum(metrics, "metering_policy_writes_evaluated_total") >= readings;
            if (committed >= readings) ledgerDone ??= watch.Elapsed;
            if (committed >= readings && evaluated && (written >= readings || !withSink)) return ledgerDone ?? watch.Elapsed;
            // Every poll renders all of /metrics in the gateway, on the CPU the readings compete for
            // (polling every 20 ms cost ~5% of the gateway's CPU in a run): rarely while far from
            // done, often near the end, so that the finish is still seen within ~10 ms.
            await Task.Delay(readings - committed > readings * NearTheEnd ? 250 : 10, cancel);
        }
    }

    /// <summary>The share of the readings left at which <see cref="WaitUntilDoneAsync"/> polls often.</summary>
    private const double NearTheEnd = 0.05;

    /// <summary>/metrics of the last run with a policy, for the trip latency.</summary>
    private string? LastPolicyMetrics { get; set; }

    /// <summary>Policy performance: the same load through the embedded-broker gateway without and with
    /// the policy runtime; every meter is a household whose water channel flows continuously, so each one
    /// trips its leak breaker one device minute in (reading 61) and the runtime commands its valve shut
    /// while the load goes on: the trip latency is measured under load.</summary>
    public async Task<int> RunPolicyAsync(CancellationToken cancel)
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        log.WriteLine($"load: {meters} meters x {readingsPerMeter} readings = {(long)meters * readingsPerMeter} readings, QoS 1, one in flight per meter; sink: {(withSink ? "influxd" : "none")}; timed after a warm-up in steps of {warmupPerMeter} readings per meter until the JIT settled (at most {maxWarmupPerMeter})");
        using var dir = new TempDir("bench-policy");
        var policy = Path.Combine(dir.Path, "policy.yaml");
        File.WriteAllText(policy, PolicyFor(meters));
        var off = await GatewayAsync(external: false, cancel);
        Print(off, null);
        var on = await GatewayAsync(external: false, cancel, policy);
        Print(on, off);
        var m = LastPolicyMetrics!;
        var trips = Prometheus.Sum(m, "metering_policy_trip_latency_seconds_count");
        var p50 = Prometheus.Sum(m, "metering_policy_trip_latency_seconds{quantile=\"0.5\"}") * 1000;
        var p99 = Prometheus.Sum(m, "metering_policy_trip_latency_seconds{quantile=\"0.99\"}") * 1000;
        log.WriteLine($"trip latency (tripping reading committed -> valve command handed to the broker), {trips:F0} trips under load: p50 {p50:F1} ms, p99 {p99:F1} ms");
        log.WriteLine($"policy runtime: {Prometheus.Sum(m, "metering_policy_writes_dropped"):F0} writes dropped, {Prometheus.Sum(m, "metering_policy_commands_open"):F0} commands open at the end");
        const double target = 0.9; // with the policy on, at least 0.9x the throughput without it
        var ratio = on.Rate / off.Rate;
        var ok = ratio >= target && trips >= meters;
        log.WriteLine($"target: policy on >= {target:F1}x policy off: {ratio:F2}x, {(ok ? "met" : "NOT met")}");
        return ok ? 0 : 3;
    }

    /// <summary>Every bench meter a one-person household; leak after 1 min of continuous flow.</summary>
    private static string PolicyFor(int meters)
    {
        var sb = new System.Text.StringBuilder($"version: 1\ncommunity: {Community}\ncouncil: {{ k: 1, members: [bench] }}\nhouseholds:\n");
        for (var i = 0; i < meters; i++)
            sb.Append($"  - {{ id: h{i:D5}, persons: 1, meters: [{{ id: {LoadPublisher.MeterId(i)}, resource: water, channels: [{{ id: main, use: essential }}] }}] }}\n");
        sb.Append("resources:\n  water:\n    period: day\n    cap: 1_000_000_000\n    floor_per_person: 50_000\n    sharing: per_household\n");
        sb.Append("    safety: { leak_minutes: 1, burst_max_per_minute: 1_000_000 }\n");
        return sb.ToString();
    }

    /// <summary>Rounds of the two references (mosquitto alone, the embedded broker alone), then the
    /// embedded and the external gateway, one after the other; each gateway run is divided by the
    /// reference of its own round and the median ratio decides. A shared machine's load moves both
    /// sides of one round alike far more than it moves runs minutes apart. Each path is held against
    /// its own broker's delivery rate (for the embedded broker and for mosquitto alike); the embedded path is also
    /// printed against mosquitto's, the faster broker, which is the stricter figure.</summary>
    public async Task<int> RunAsync(CancellationToken cancel, int rounds = DefaultRounds)
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        log.WriteLine($"load: {meters} meters x {readingsPerMeter} readings = {(long)meters * readingsPerMeter} readings, QoS 1, one in flight per meter; timed after a warm-up in steps of {warmupPerMeter} readings per meter until the JIT settled (at most {maxWarmupPerMeter}) in every run; {rounds} round(s)");
        var embeddedRatios = new List<double>();
        var embeddedVsMosquitto = new List<double>();
        var externalRatios = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            log.WriteLine($"round {round}:");
            var mosquitto = await BrokerOnlyAsync(cancel);
            Print(mosquitto, null);
            var bare = await EmbeddedBrokerOnlyAsync(cancel);
            Print(bare, null);
            var embedded = await GatewayAsync(external: false, cancel);
            Print(embedded, bare, mosquitto);
            var external = await GatewayAsync(external: true, cancel);
            Print(external, mosquitto);
            embeddedRatios.Add(embedded.Rate / bare.Rate);
            embeddedVsMosquitto.Add(embedded.Rate / mosquitto.Rate);
            externalRatios.Add(external.Rate / mosquitto.Rate);
        }
        var (e, x) = (Median(embeddedRatios), Median(externalRatios));
        log.WriteLine($"median of {rounds}: embedded {e:F2}x the embedded broker alone ({Median(embeddedVsMosquitto):F2}x mosquitto alone), external {x:F2}x mosquitto alone");
        const double target = 0.5; // the project's target: end to end at least 0.5x the broker-only rate
        const double goal = 0.8;   // the project's goal for the same ratio
        var ok = e >= target && x >= target;
        log.WriteLine($"target: end-to-end >= {target:F1}x broker-only: {(ok ? "met" : "NOT met")}");
        log.WriteLine($"goal: >= {goal:F1}x its own broker alone: embedded {(e >= goal ? "met" : "not met")}, external {(x >= goal ? "met" : "not met")}");
        return ok ? 0 : 3;
    }

    public const int DefaultRounds = 3;

    /// <summary>The median of rounds' ratios (mean of the middle two for an even count).</summary>
    internal static double Median(IReadOnlyCollection<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private void Print(Result r, Result? reference, Result? alsoAgainst = null)
    {
        var ratio = reference is null ? "1.00 (reference)" : $"{r.Rate / reference.Rate:F2}x reference";
        if (alsoAgainst is not null) ratio += $", {r.Rate / alsoAgainst.Rate:F2}x mosquitto alone";
        log.WriteLine($"{r.Name,-58} {r.Rate,10:F0} readings/s  ({r.Readings} in {r.Elapsed.TotalSeconds:F2} s)  {ratio}");
    }
}
