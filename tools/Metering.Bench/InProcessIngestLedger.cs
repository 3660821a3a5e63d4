using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commons.Metering.Bench;

/// <summary>The gateway's ingest pipeline and SQLite ledger in this process, without a broker or
/// HTTP, in a temporary data directory deleted on dispose: what `fuzz` and `ledger` measure.</summary>
internal sealed class InProcessIngestLedger : IAsyncDisposable
{
    private readonly DirectoryInfo _dir = Directory.CreateTempSubdirectory("metering-bench-");

    public InProcessIngestLedger(TimeProvider time, SqliteSynchronous synchronous, bool withSinkOutbox, bool perMeterRateLimit = true)
    {
        var options = new GatewayOptions { Registry = new RegistryOptions { AutoRegister = true } };
        // `ledger` measures the pipeline, not the limit that protects a village from one flooding device.
        if (!perMeterRateLimit) options.Broker.RateLimitPerMeterPerSecond = 0;
        options.Storage.DataDirectory = _dir.FullName;
        // The sink outbox rows are written in the ledger's transaction when a sink is configured;
        // nothing drains them here.
        if (withSinkOutbox) options.Influx.Kind = "V1";
        Store = new SqliteStateStore(_dir.FullName, synchronous);
        Registry = new MeterRegistry();
        Metrics = new MeterExporter();
        var wrapped = Microsoft.Extensions.Options.Options.Create(options);
        Ledger = new LedgerWriter(Store, Registry, Metrics, wrapped, NullLogger<LedgerWriter>.Instance,
            sinkRows: new Commons.Metering.Gateway.Sinks.InfluxSinkRows(options.Influx.SinkConfigured));
        Pipeline = new IngestPipeline(Registry, Ledger, Metrics, time, wrapped, NullLogger<IngestPipeline>.Instance);
    }

    public SqliteStateStore Store { get; }
    public MeterRegistry Registry { get; }
    public MeterExporter Metrics { get; }
    public LedgerWriter Ledger { get; }
    public IngestPipeline Pipeline { get; }
    public string DataDirectory => _dir.FullName;

    public Task StartAsync() => Ledger.StartAsync(CancellationToken.None);

    public async ValueTask DisposeAsync()
    {
        await Ledger.StopAsync(CancellationToken.None);
        Ledger.Dispose();
        Metrics.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { _dir.Delete(recursive: true); } catch (IOException) { }
    }
}
