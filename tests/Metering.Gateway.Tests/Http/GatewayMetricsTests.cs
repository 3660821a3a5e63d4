using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Telemetry;

namespace Commons.Metering.Gateway.Tests.Http;

public sealed class GatewayMetricsTests
{
    [Fact]
    public async Task Text_ListsEveryReasonAndFlagFromTheStart_AndCountsWhatHappened()
    {
        var m = new GatewayMetrics();
        m.CountRejected(RejectReason.Malformed);
        m.CountRejected(RejectReason.Malformed);
        m.CountFlag(ReadingFlag.SeqGap);
        m.ReadingsIngested.Inc(3);
        m.CommitBatchSize.Observe(7);
        var text = await m.ToTextAsync();
        var lines = text.Split('\n');
        Assert.Contains("metering_readings_ingested_total 3", lines);
        Assert.Contains("metering_rejected_total{reason=\"malformed\"} 2", lines);
        Assert.Contains("metering_flagged_total{flag=\"seq_gap\"} 1", lines);
        foreach (var reason in Enum.GetValues<RejectReason>())
            Assert.Contains(lines, l => l.StartsWith($"metering_rejected_total{{reason=\"{reason.Name()}\"}}", StringComparison.Ordinal));
        foreach (var flag in Enum.GetValues<ReadingFlag>())
            Assert.Contains(lines, l => l.StartsWith($"metering_flagged_total{{flag=\"{flag.Name()}\"}}", StringComparison.Ordinal));
        Assert.Contains("metering_ledger_commit_batch_size_bucket{le=\"5\"} 0", lines);
        Assert.Contains("metering_ledger_commit_batch_size_bucket{le=\"10\"} 1", lines);
        Assert.Contains("# TYPE metering_ledger_commit_seconds histogram", lines);
    }

    [Fact]
    public async Task Text_ReportsTheJitsWork_AsTheRuntimeCountsIt()
    {
        var m = new GatewayMetrics();
        var methodsBefore = System.Runtime.JitInfo.GetCompiledMethodCount();
        var text = await m.ToTextAsync();
        var methodsAfter = System.Runtime.JitInfo.GetCompiledMethodCount();
        var lines = text.Split('\n');
        var methods = Value(lines, "metering_process_jit_methods_total");
        // Read while /metrics was being rendered: between the runtime's counts before and after.
        Assert.InRange(methods, methodsBefore, methodsAfter);
        Assert.True(methods > 0);
        Assert.InRange(Value(lines, "metering_process_jit_seconds_total"), double.Epsilon, System.Runtime.JitInfo.GetCompilationTime().TotalSeconds);
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
