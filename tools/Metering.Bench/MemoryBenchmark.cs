using System.Buffers;
using System.Text;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;

namespace Commons.Metering.Bench;

/// <summary>Memory per registered meter (goal under 2 KB with 100,000 registered) and per
/// queued reading. Runs the gateway's own ledger (<see cref="InProcessIngestLedger"/>: SqliteStateStore,
/// MeterRegistry, LedgerWriter, IngestPipeline, as the gateway's DI wires them) in this process, so the managed heap can be
/// measured exactly after a full compacting GC: the reference is the same process before the
/// meters exist. The broker and HTTP server are left out: they hold per-connection, not per-meter,
/// state. Three steps: meters registered; each meter's first reading committed (the writer's meter
/// and channel state then exist too: a registered meter in a running village); readings queued in
/// front of a ledger writer that is not running (decoded write, its completion, the awaiting ingest
/// call and the MQTT payload bytes the broker holds until the PUBACK).</summary>
internal sealed class MemoryBenchmark(int meters, int queued, TextWriter log)
{
    private const string Community = "bench";

    /// <summary>The project's goal: under 2 KB per registered meter.</summary>
    private const double GoalBytesPerMeter = 2048;

    /// <summary>Submissions in flight while registering (the writer batches up to 500).</summary>
    private const int InFlight = 2_000;

    public async Task<int> RunAsync()
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        var capacity = new GatewayOptions().Ledger.QueueCapacity;
        if (queued > capacity) throw new ArgumentOutOfRangeException(nameof(queued), $"at most Ledger:QueueCapacity ({capacity}) readings can queue");
        // synchronous=NORMAL: fsyncs cost time here, not memory.
        await using var gateway = new InProcessIngestLedger(TimeProvider.System, SqliteSynchronous.Normal, withSinkOutbox: false);
        var (registry, ledger, pipeline) = (gateway.Registry, gateway.Ledger, gateway.Pipeline);
        await gateway.StartAsync();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var empty = Snapshot.Take();
        await ForAllAsync(meters, i => ledger.SubmitAsync(new RegisterMeterWrite(new MeterInfo(MeterId(i), Community, Resource.Water), now), CancellationToken.None));
        if (registry.Count != meters) throw new InvalidOperationException($"{registry.Count} meters registered, expected {meters}");
        var registered = Snapshot.Take();
        await ForAllAsync(meters, async i =>
        {
            var r = await pipeline.HandleAsync(Topic(i), Payload(1, now - 60_000, 1_000 + i), CancellationToken.None);
            if (r.Status != IngestStatus.Committed) throw new InvalidOperationException($"reading of {MeterId(i)} not committed: {r.Reason}");
        });
        var reported = Snapshot.Take();

        // Queued: a second in-process gateway whose writer never starts, so its queue only fills
        // (up to Ledger:QueueCapacity, the gateway's bound: then ingest waits).
        var stalled = new InProcessIngestLedger(TimeProvider.System, SqliteSynchronous.Normal, withSinkOutbox: false);
        var beforeQueue = Snapshot.Take();
        var waiting = new Task[queued];
        for (var i = 0; i < queued; i++) waiting[i] = stalled.Pipeline.HandleAsync(Topic(i % meters), Payload(2 + i / meters, now - 30_000 + i / meters, 2_000 + i), CancellationToken.None);
        var queuedSnap = Snapshot.Take();
        if (waiting.Any(t => t.IsCompleted)) throw new InvalidOperationException("a queued reading completed: the stalled writer ran");
        if (stalled.Ledger.IsRunning) throw new InvalidOperationException("the stalled writer runs");

        log.WriteLine($"meters: {meters:N0}, queued readings: {queued:N0} (in-process ledger; GC heap after a full compacting collection)");
        log.WriteLine($"  empty ledger                    heap {Mb(empty.Heap),8}  working set {Mb(empty.WorkingSet),8}  (reference)");
        log.WriteLine($"  {meters:N0} meters registered    heap {Mb(registered.Heap),8}  working set {Mb(registered.WorkingSet),8}");
        log.WriteLine($"  + first reading of each        heap {Mb(reported.Heap),8}  working set {Mb(reported.WorkingSet),8}");
        log.WriteLine($"  + {queued:N0} readings queued    heap {Mb(queuedSnap.Heap),8}  working set {Mb(queuedSnap.WorkingSet),8}");
        var perRegistered = (registered.Heap - empty.Heap) / (double)meters;
        var perReported = (reported.Heap - empty.Heap) / (double)meters;
        var perQueued = (queuedSnap.Heap - beforeQueue.Heap - 8.0 * queued) / queued; // minus the benchmark's own Task[] slot
        log.WriteLine($"managed heap per registered meter: {perRegistered:F0} bytes; after its first reading: {perReported:F0} bytes " +
                      $"({perReported / GoalBytesPerMeter:F2}x the goal of {GoalBytesPerMeter:F0}); working set per meter after its first reading: " +
                      $"{(reported.WorkingSet - empty.WorkingSet) / (double)meters:F0} bytes");
        log.WriteLine($"managed heap per queued reading: {perQueued:F0} bytes");
        var ok = perReported < GoalBytesPerMeter;
        log.WriteLine($"target: under {GoalBytesPerMeter:F0} bytes per registered meter (managed heap, after its first reading): {(ok ? "met" : "NOT met")}");
        GC.KeepAlive(waiting);
        return ok ? 0 : 3;
    }

    internal static string MeterId(int i) => $"m-{i:D6}";

    private static string Topic(int i) => $"commons/v1/{Community}/{MeterId(i)}/up/reading";

    private static ReadOnlySequence<byte> Payload(long seq, long tsMs, long register) =>
        new(Encoding.UTF8.GetBytes($"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{register}}}]}}"));

    private static async Task ForAllAsync(int count, Func<int, Task> action)
    {
        for (var start = 0; start < count; start += InFlight)
            await Task.WhenAll(Enumerable.Range(start, Math.Min(InFlight, count - start)).Select(action));
    }

    private static string Mb(long bytes) => $"{bytes / 1048576.0:F1} MB";

    private readonly record struct Snapshot(long Heap, long WorkingSet)
    {
        public static Snapshot Take()
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            return new Snapshot(GC.GetTotalMemory(forceFullCollection: true), Environment.WorkingSet);
        }
    }
}
