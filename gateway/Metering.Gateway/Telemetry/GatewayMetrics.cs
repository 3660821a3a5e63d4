using Commons.Metering.Gateway.Domain;
using Prometheus;

namespace Commons.Metering.Gateway.Telemetry;

/// <summary>The gateway's Prometheus metrics (prometheus-net, own registry so /metrics shows only
/// these). Every rejection reason and flag of docs/protocol.md is exported from the start, at 0.</summary>
public sealed class GatewayMetrics
{
    /// <summary>Group-commit batch sizes up to Ledger:MaxBatchSize (default 500).</summary>
    private static readonly double[] BatchBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000];

    /// <summary>Commit latency 0.5 ms .. ~4 s: an fsync on an SSD takes ~1 ms, on an SD card 10-100 ms.</summary>
    private static readonly double[] LatencyBuckets = Histogram.ExponentialBuckets(0.0005, 2, 14);

    public GatewayMetrics()
    {
        Registry = Metrics.NewCustomRegistry();
        var f = Metrics.WithCustomRegistry(Registry);
        ReadingsIngested = f.CreateCounter("metering_readings_ingested_total",
            "Readings committed to the ledger (duplicates not included).");
        UplinksCommitted = f.CreateCounter("metering_uplinks_committed_total",
            "Uplinks committed to the ledger, by kind.", labelNames: ["kind"]);
        Rejected = f.CreateCounter("metering_rejected_total",
            "Uplinks rejected, by reason (docs/protocol.md); duplicates are acknowledged all the same.", labelNames: ["reason"]);
        Flagged = f.CreateCounter("metering_flagged_total",
            "Flags raised on committed readings, by flag.", labelNames: ["flag"]);
        CommitBatchSize = f.CreateHistogram("metering_ledger_commit_batch_size",
            "Writes per ledger transaction (group commit).", new HistogramConfiguration { Buckets = BatchBuckets });
        CommitSeconds = f.CreateHistogram("metering_ledger_commit_seconds",
            "Duration of one ledger transaction, commit included.", new HistogramConfiguration { Buckets = LatencyBuckets });
        CommitFailures = f.CreateCounter("metering_ledger_commit_failures_total",
            "Ledger transactions that failed; their uplinks were not acknowledged.");
        LedgerQueueDepth = f.CreateGauge("metering_ledger_queue_depth", "Writes waiting for the ledger writer.");
        OutboxDepth = f.CreateGauge("metering_sink_outbox_rows", "Rows waiting in the durable sink outbox (sink_outbox).");
        SinkOutboxDepth = f.CreateGauge("metering_sink_outbox_depth", "Outbox depth per sink.", labelNames: ["sink"]);
        SinkBreakerOpen = f.CreateGauge("metering_sink_breaker_state",
            "Breaker state per sink: 1 for the current state.", labelNames: ["sink", "state"]);
        SinkWritten = f.CreateCounter("metering_sink_written_total", "Lines written per sink since start.", labelNames: ["sink"]);
        BrokerAuthFailures = f.CreateCounter("metering_broker_auth_failures_total",
            "Embedded broker: connects refused, by reason (anonymous, unknown_user, wrong_password, client_id_not_meter_id).", labelNames: ["reason"]);
        BrokerAuthDelayed = f.CreateCounter("metering_broker_auth_delayed_total",
            "Embedded broker: connects held back because their user name or address was refused before.");
        BrokerOversizedPackets = f.CreateCounter("metering_broker_oversized_packets_total",
            "Embedded broker: connections closed because a packet announced more than Broker:MaxPacketBytes (before it was read).");
        UplinkRouting = f.CreateGauge("metering_broker_uplink_routing",
            "Embedded broker: 1 once a client subscribed to uplinks, so every uplink is also routed to subscribers (a cost that grows with the connected devices); 0 until then.");
        DownlinkRouting = f.CreateGauge("metering_broker_downlink_routing",
            "Embedded broker: 1 once a client subscribed to a filter that can match other clients' downlinks, so every command is routed through every session (a cost that grows with the sessions); 0 while each goes straight to its device's session.");
        WatchdogReconnects = f.CreateCounter("metering_broker_watchdog_reconnects_total",
            "External broker: connections the subscription watchdog found deaf and dropped to reconnect and resubscribe.");
        // Memory, for the soak benchmark and operators: read when /metrics is scraped.
        var heap = f.CreateGauge("metering_gc_heap_bytes", "Managed heap size after the last garbage collection (GC.GetGCMemoryInfo).");
        var workingSet = f.CreateGauge("metering_process_working_set_bytes", "Resident memory of the gateway process.");
        // The JIT's work (System.Runtime.JitInfo, all threads): high for the first seconds to
        // minutes after a start, while .NET compiles and re-compiles the hot paths (tiered
        // compilation), and flat once the gateway runs at its steady cost. Tells an operator why a
        // freshly started gateway is slower, and tells the e2e benchmark when it is warm.
        var jitTime = f.CreateCounter("metering_process_jit_seconds_total", "CPU time the .NET runtime spent compiling methods since the gateway started (JitInfo.GetCompilationTime).");
        var jitMethods = f.CreateCounter("metering_process_jit_methods_total", "Methods the .NET runtime compiled since the gateway started, re-compilations included (JitInfo.GetCompiledMethodCount).");
        Registry.AddBeforeCollectCallback(() =>
        {
            heap.Set(GC.GetGCMemoryInfo().HeapSizeBytes);
            workingSet.Set(Environment.WorkingSet);
            jitTime.IncTo(System.Runtime.JitInfo.GetCompilationTime().TotalSeconds);
            jitMethods.IncTo(System.Runtime.JitInfo.GetCompiledMethodCount());
        });
        foreach (var reason in Gateway.Registry.BrokerAuthorizer.RefusalReasons) BrokerAuthFailures.WithLabels(reason).Inc(0);
        foreach (var reason in Enum.GetValues<RejectReason>()) Rejected.WithLabels(reason.Name()).Inc(0);
        foreach (var flag in Enum.GetValues<ReadingFlag>()) Flagged.WithLabels(flag.Name()).Inc(0);
        foreach (var kind in Enum.GetValues<UplinkKind>()) UplinksCommitted.WithLabels(kind.ToString().ToLowerInvariant()).Inc(0);
    }

    public CollectorRegistry Registry { get; }
    public Counter ReadingsIngested { get; }
    public Counter UplinksCommitted { get; }
    public Counter Rejected { get; }
    public Counter Flagged { get; }
    public Histogram CommitBatchSize { get; }
    public Histogram CommitSeconds { get; }
    public Counter CommitFailures { get; }
    public Gauge LedgerQueueDepth { get; }
    public Gauge OutboxDepth { get; }
    public Gauge SinkOutboxDepth { get; }
    public Gauge SinkBreakerOpen { get; }
    public Counter SinkWritten { get; }
    public Counter BrokerAuthFailures { get; }
    public Counter BrokerAuthDelayed { get; }
    public Counter BrokerOversizedPackets { get; }
    public Counter WatchdogReconnects { get; }
    public Gauge UplinkRouting { get; }
    public Gauge DownlinkRouting { get; }

    public void CountRejected(RejectReason reason) => Rejected.WithLabels(reason.Name()).Inc();

    public void CountFlag(ReadingFlag flag) => Flagged.WithLabels(flag.Name()).Inc();

    /// <summary>Prometheus text exposition format 0.0.4.</summary>
    public Task WriteAsync(Stream destination, CancellationToken cancellationToken) =>
        Registry.CollectAndExportAsTextAsync(destination, cancellationToken);

    public async Task<string> ToTextAsync(CancellationToken cancellationToken = default)
    {
        using var ms = new MemoryStream();
        await WriteAsync(ms, cancellationToken);
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }
}
