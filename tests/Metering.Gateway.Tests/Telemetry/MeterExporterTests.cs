using System.Diagnostics.Metrics;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Hosting;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Telemetry;

namespace Commons.Metering.Gateway.Tests.Telemetry;

public sealed class MeterExporterTests
{
    [Fact]
    public async Task Text_ListsEveryReasonAndFlagFromTheStart_AndCountsWhatHappened()
    {
        using var m = new MeterExporter();
        var ingest = new IngestMetrics(m);
        var ledger = new LedgerMetrics(m);
        ingest.CountRejected(RejectReason.Malformed);
        ingest.CountRejected(RejectReason.Malformed);
        ingest.CountFlag(ReadingFlag.SeqGap);
        for (var i = 0; i < 3; i++) ingest.CountCommitted(UplinkKind.Reading, reading: true);
        ledger.Committed(7, TimeSpan.FromMilliseconds(3));
        var text = await m.ToTextAsync();
        var lines = text.Split('\n');
        Assert.Contains("metering_readings_ingested_total 3", lines);
        Assert.Contains("metering_uplinks_committed_total{kind=\"reading\"} 3", lines);
        Assert.Contains("metering_rejected_total{reason=\"malformed\"} 2", lines);
        Assert.Contains("metering_flagged_total{flag=\"seq_gap\"} 1", lines);
        foreach (var reason in Enum.GetValues<RejectReason>())
            Assert.Contains(lines, l => l.StartsWith($"metering_rejected_total{{reason=\"{reason.Name()}\"}}", StringComparison.Ordinal));
        foreach (var flag in Enum.GetValues<ReadingFlag>())
            Assert.Contains(lines, l => l.StartsWith($"metering_flagged_total{{flag=\"{flag.Name()}\"}}", StringComparison.Ordinal));
        Assert.Contains("# TYPE metering_rejected_total counter", lines);
        Assert.Contains("# HELP metering_readings_ingested_total Readings committed to the ledger (duplicates not included).", lines);
        Assert.Contains("metering_ledger_commit_batch_size_bucket{le=\"5\"} 0", lines);
        Assert.Contains("metering_ledger_commit_batch_size_bucket{le=\"10\"} 1", lines);
        Assert.Contains("metering_ledger_commit_seconds_bucket{le=\"0.004\"} 1", lines);
        Assert.Contains("# TYPE metering_ledger_commit_seconds histogram", lines);
    }

    [Fact]
    public async Task TwoGatewaysInOneProcess_CountApart()
    {
        using var a = new MeterExporter();
        using var b = new MeterExporter();
        var ingestA = new IngestMetrics(a);
        _ = new IngestMetrics(b);
        ingestA.CountCommitted(UplinkKind.Reading, reading: true);
        Assert.Contains("metering_readings_ingested_total 1", (await a.ToTextAsync()).Split('\n'));
        Assert.Contains("metering_readings_ingested_total 0", (await b.ToTextAsync()).Split('\n'));
    }

    [Fact]
    public async Task OnlyTheGatewaysMeters_AreExported()
    {
        using var m = new MeterExporter();
        m.Create("Microsoft.AspNetCore.Hosting").CreateCounter<long>("http_requests_total").Add(1);
        m.Create(MeterExporter.MeterPrefix + "Test").CreateCounter<long>("metering_test_total", description: "A test.").Add(2);
        var text = await m.ToTextAsync();
        Assert.DoesNotContain("http_requests_total", text);
        Assert.Contains("metering_test_total 2", text.Split('\n'));
    }

    [Fact]
    public async Task AHistogramWithoutBucketAdvice_IsASummaryOfItsMedianAnd99thPercentile()
    {
        using var m = new MeterExporter();
        var h = m.Create(MeterExporter.MeterPrefix + "Test").CreateHistogram<double>("metering_test_seconds", description: "A test.");
        foreach (var v in new[] { 0.1, 0.2, 0.3 }) h.Record(v);
        var lines = (await m.ToTextAsync()).Split('\n');
        Assert.Contains("# TYPE metering_test_seconds summary", lines);
        Assert.Contains("metering_test_seconds_count 3", lines);
        // Within the summary's error bounds (p50 ±5 % of rank), one of the recorded values.
        Assert.InRange(Value(lines, "metering_test_seconds{quantile=\"0.5\"}"), 0.1, 0.3);
        Assert.InRange(Value(lines, "metering_test_seconds{quantile=\"0.99\"}"), 0.1, 0.3);
    }

    [Fact]
    public void TagsThatDifferFromTheFirstMeasurement_AreRefusedWithTheMetricsName()
    {
        using var m = new MeterExporter();
        var c = m.Create(MeterExporter.MeterPrefix + "Test").CreateCounter<long>("metering_test_total");
        c.Add(1, new KeyValuePair<string, object?>("reason", "a"));
        var e = Assert.Throws<InvalidOperationException>(() => c.Add(1, new KeyValuePair<string, object?>("flag", "b")));
        Assert.Contains("metering_test_total", e.Message);
    }

    /// <summary>The ingest hot path: counting with a pre-built tag allocates nothing once the series exists.</summary>
    [Fact]
    public void CountingARejection_AllocatesNothing()
    {
        using var m = new MeterExporter();
        var ingest = new IngestMetrics(m);
        for (var i = 0; i < 100; i++) ingest.CountRejected(RejectReason.Duplicate); // JIT and first series out of the way
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            ingest.CountRejected(RejectReason.Duplicate);
            ingest.CountCommitted(UplinkKind.Reading, reading: true);
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task Text_ReportsTheJitsWork_AsTheRuntimeCountsIt()
    {
        using var m = new MeterExporter();
        _ = new ProcessMetrics(m);
        var methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var text = await m.ToTextAsync();
        var methodsAfter = System.Runtime.JitInfo.GetCompiledMethodCount();
        var lines = text.Split('\n');
        var methods = Value(lines, "metering_process_jit_methods_total");
        // Read while /metrics was being rendered: between the runtime's counts before and after.
        Assert.InRange(methods, methodsBefore, methodsAfter);
        Assert.True(methods > 0);
        Assert.InRange(Value(lines, "metering_process_jit_seconds_total"), double.Epsilon, System.Runtime.JitInfo.GetCompilationTime().TotalSeconds);
        Assert.True(Value(lines, "metering_gc_heap_bytes") > 0);
    }

    private static double Value(string[] lines, string metric) =>
        double.Parse(lines.Single(l => l.StartsWith(metric + " ", StringComparison.Ordinal))[(metric.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);

    [Fact]
    public async Task RateLimitedLog_WritesOneLinePerReasonPerWindow_AndReportsTheSuppressed()
    {
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        var logger = new ListLogger();
        var log = new RateLimitedLog(logger, time, TimeSpan.FromSeconds(10));
        for (var i = 0; i < 100; i++) log.Log(Microsoft.Extensions.Logging.LogLevel.Warning, "malformed", "t", "x");
        log.Log(Microsoft.Extensions.Logging.LogLevel.Warning, "oversized", "t", "x");
        time.Advance(TimeSpan.FromSeconds(10));
        log.Log(Microsoft.Extensions.Logging.LogLevel.Warning, "malformed", "t", "x");
        Assert.Equal(3, logger.Lines.Count);
        Assert.Contains("(99 more suppressed", logger.Lines[2]);
        await Task.CompletedTask;
    }

    private sealed class ListLogger : Microsoft.Extensions.Logging.ILogger
    {
        public List<string> Lines { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(Microsoft.Extensions.Logging.LogLevel logLevel) => true;
        public void Log<TState>(Microsoft.Extensions.Logging.LogLevel logLevel, Microsoft.Extensions.Logging.EventId eventId,
            TState state, Exception? exception, Func<TState, Exception?, string> formatter) => Lines.Add(formatter(state, exception));
    }
}
