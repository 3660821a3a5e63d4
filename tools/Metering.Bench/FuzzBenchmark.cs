using System.Buffers;
using System.Diagnostics;
using System.Text;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Testing.Fuzz;
using CsCheck;

namespace Commons.Metering.Bench;

/// <summary>Hostile input, benchmark mode: at least a million hostile uplinks
/// (<see cref="HostileInputs"/>, shared with the fuzz tests) through the real ingest pipeline and
/// SQLite ledger, with a valid meter's stream interleaved (one valid reading every 10 inputs).
/// Checks that nothing throws, that every input is committed or counted under exactly one reason
/// (the histogram equals /metrics), and that the valid meter's ledger usage equals its truth.
/// Prints inputs/s and the reasons histogram. SQLite runs with synchronous=NORMAL: this measures
/// the decoders and the pipeline, not fsync.</summary>
internal sealed class FuzzBenchmark(long inputs, string vectorsRoot, TextWriter log)
{
    private const string TruthMeter = "truth-1";

    /// <summary>One valid reading every this many inputs.</summary>
    private const int ValidEvery = 10;

    public async Task<int> RunAsync()
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        var generator = new HostileInputs(vectorsRoot);
        var time = new ManualTime(DateTimeOffset.FromUnixTimeMilliseconds(1_764_245_400_000).AddMinutes(10));
        await using var gateway = new InProcessIngestLedger(time, SqliteSynchronous.Normal, withSinkOutbox: false);
        var (store, metrics, pipeline) = (gateway.Store, gateway.Metrics, gateway.Pipeline);
        await gateway.StartAsync();
        var histogram = new Dictionary<string, long>();
        var families = new Dictionary<string, long>();
        long count = 0, seq = 0, register = 0, firstRegister = -1;
        var watch = Stopwatch.StartNew();
        generator.Any.Sample(input =>
        {
            string key;
            try
            {
                var result = pipeline.HandleAsync(input.Topic, new ReadOnlySequence<byte>(input.Payload), CancellationToken.None).GetAwaiter().GetResult();
                key = result.Status == IngestStatus.Committed ? "committed" : result.Reason?.Name() ?? "no reason (bug)";
            }
            catch (IngestRefusedException e)
            {
                key = e.Reason.Name(); // refused unacknowledged (rate limit), counted like a rejection
            }
            histogram[key] = histogram.GetValueOrDefault(key) + 1;
            families[input.Family] = families.GetValueOrDefault(input.Family) + 1;
            if (++count % ValidEvery != 0) return;
            register += 1 + count % 997;
            if (firstRegister < 0) firstRegister = register;
            var valid = $"{{\"v\":1,\"seq\":{++seq},\"ts\":{time.GetUtcNow().ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{register}}}]}}";
            var ok = pipeline.HandleAsync($"commons/v1/truth/{TruthMeter}/up/reading", new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(valid)), CancellationToken.None).GetAwaiter().GetResult();
            if (ok.Status != IngestStatus.Committed) throw new InvalidOperationException($"valid reading {seq} not committed: {ok.Reason}");
            time.Advance(TimeSpan.FromSeconds(1));
        }, iter: inputs, threads: 1);
        watch.Stop();
        await gateway.Ledger.StopAsync(CancellationToken.None);

        var usage = store.Usage(TruthMeter, 0, long.MaxValue).SingleOrDefault(c => c.Channel == "main")?.Usage ?? 0;
        var truth = register - firstRegister;
        var text = await metrics.ToTextAsync();
        var counted = (long)(Prometheus.Sum(text, "metering_rejected_total") + Prometheus.Sum(text, "metering_uplinks_committed_total"));
        log.WriteLine($"fuzz: {count:N0} hostile inputs + {seq:N0} valid readings in {watch.Elapsed.TotalSeconds:F1} s: {count / watch.Elapsed.TotalSeconds:N0} inputs/s");
        log.WriteLine("outcomes (committed or the one counted reason):");
        foreach (var (k, v) in histogram.OrderByDescending(p => p.Value)) log.WriteLine($"  {k,-20} {v,10:N0}  {100.0 * v / count,6:F2} %");
        log.WriteLine("input families:");
        foreach (var (k, v) in families.OrderByDescending(p => p.Value)) log.WriteLine($"  {k,-20} {v,10:N0}");
        log.WriteLine($"metrics count {counted:N0} outcomes for {count + seq:N0} uplinks; valid meter usage {usage:N0}, truth {truth:N0}");
        var ok = counted == count + seq && usage == truth && !histogram.ContainsKey("no reason (bug)") && count >= inputs;
        log.WriteLine($"target: every input committed or counted once, valid stream exact: {(ok ? "met" : "NOT met")}");
        return ok ? 0 : 3;
    }

    /// <summary>The gateway clock, moved by the benchmark (one second per valid reading).</summary>
    private sealed class ManualTime(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;
        public override DateTimeOffset GetUtcNow() => _now;
        public override long GetTimestamp() => _now.UtcTicks; // the rate limiter's clock too
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public void Advance(TimeSpan by) => _now += by;
    }
}
