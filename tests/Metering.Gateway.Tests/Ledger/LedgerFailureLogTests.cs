using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Telemetry;
using Commons.Metering.Gateway.Tests.Telemetry;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Tests.Ledger;

/// <summary>A store that fails every transaction (a full disk, a lost file) fails every batch until
/// it is fixed: each failure is counted in /metrics and none is acknowledged, but the log gets one
/// line per window, not one with a stack trace per batch.</summary>
public sealed class LedgerFailureLogTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("ledger-fail-").FullName;

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task EveryBatchFailing_IsCountedEachTime_ButLoggedOncePerWindow()
    {
        var store = new FailingStore(new SqliteStateStore(_dir, SqliteSynchronous.Full));
        var log = new CollectingLogger();
        using var metrics = new MeterExporter();
        var options = Microsoft.Extensions.Options.Options.Create(new GatewayOptions());
        using var ledger = new LedgerWriter(store, new MeterRegistry(), metrics, options, log);
        await ledger.StartAsync(CancellationToken.None);
        store.Failing = true;

        for (var i = 1; i <= 40; i++)
        {
            var write = new RegisterMeterWrite(new MeterInfo($"w-{i}", "c1", Resource.Water), 0);
            await Assert.ThrowsAnyAsync<IOException>(() => ledger.SubmitAsync(write, CancellationToken.None));
        }

        Assert.Equal(40, await metrics.ValueAsync("metering_ledger_commit_failures_total"));
        var errors = log.Entries.Where(e => e.Level >= LogLevel.Error).ToList();
        Assert.InRange(errors.Count, 1, 4); // one per kind per 10 s window: the commit and the isolated retry
        Assert.All(errors, e => Assert.Contains("disk full (test)", e.Message));
        await ledger.StopAsync(CancellationToken.None);
    }

    private sealed class FailingStore(IStateStore inner) : IStateStore
    {
        public volatile bool Failing;
        public void Open() => inner.Open();
        public ILedgerTransaction Begin() => Failing ? throw new IOException("disk full (test)") : inner.Begin();
        public IReadOnlyList<MeterInfo> LoadMeters() => inner.LoadMeters();
        public IReadOnlyList<MeterView> ListMeters() => inner.ListMeters();
        public IReadOnlyList<ChannelUsage> Usage(string meter, long fromHourMs, long toMs) => inner.Usage(meter, fromHourMs, toMs);
        public IReadOnlyList<HourUsage> HourlyUsage(string meter, long fromHourMs, long toMs) => inner.HourlyUsage(meter, fromHourMs, toMs);
        public IReadOnlyList<ReadingRow> Readings(string meter, long fromMs, long toMs) => inner.Readings(meter, fromMs, toMs);
        public long OutboxDepth() => inner.OutboxDepth();

        public IReadOnlyList<HeldReadingView> HeldReadings() => inner.HeldReadings();

        public long? SequenceHighWater(string meter) => inner.SequenceHighWater(meter);
        public void Dispose() => inner.Dispose();
    }

    private sealed class CollectingLogger : ILogger<LedgerWriter>
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (Entries) Entries.Add((logLevel, formatter(state, exception)));
        }
    }
}
