using System.Buffers;
using System.Text;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ingest.Confirmations;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests;

/// <summary>The real ingest pipeline and ledger with a fake clock, without broker or HTTP: SQLite in a
/// temporary folder, or with Storage:Provider Postgres a fresh database of its own on the test run's
/// PostgreSQL server (<see cref="TestPostgres"/>) unless the options name one. RestartAsync() simulates
/// a restart on the same database.</summary>
internal sealed class GatewayHarness : IAsyncDisposable
{
    /// <summary>2025-11-27T12:10:00Z, the time of the golden vectors (ts 1764245400000).</summary>
    public static readonly DateTimeOffset Start = DateTimeOffset.FromUnixTimeMilliseconds(1_764_245_400_000).AddMinutes(10);

    private readonly bool _ownsDirectory;
    private readonly IMeterHouseholds? _households;

    /// <param name="households">The households of the policy in force, as the gateway gives them to the ledger.</param>
    public GatewayHarness(GatewayOptions? options = null, string? directory = null, IMeterHouseholds? households = null)
    {
        _households = households;
        Options = options ?? new GatewayOptions();
        _ownsDirectory = directory is null;
        Directory = directory ?? System.IO.Directory.CreateTempSubdirectory("gateway-tests-").FullName;
        Options.Storage.DataDirectory = Directory;
        if (Options.Storage.Provider == StorageProvider.Postgres && string.IsNullOrEmpty(Options.Storage.ConnectionString))
            Options.Storage.ConnectionString = TestPostgres.CreateDatabase();
        Time = new FakeTimeProvider(Start);
        Open();
    }

    public GatewayOptions Options { get; }
    public string Directory { get; }
    public FakeTimeProvider Time { get; }
    public IStateStore Store { get; private set; } = null!;
    public MeterRegistry Registry { get; private set; } = null!;
    public MeterExporter Metrics { get; private set; } = null!;
    public LedgerWriter Ledger { get; private set; } = null!;
    public IngestPipeline Pipeline { get; private set; } = null!;
    public ConfirmationHub Confirmations { get; private set; } = null!;
    public ConfirmationMetrics ConfirmationMetrics { get; private set; } = null!;
    public string DatabasePath => Path.Combine(Directory, GatewayDefaults.DatabaseFileName);

    public async Task StartAsync() => await Ledger.StartAsync(CancellationToken.None);

    public Task<IngestResult> PublishAsync(string topic, string payload) =>
        Pipeline.HandleAsync(topic, new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)), CancellationToken.None);

    /// <summary>Default options on the given storage provider.</summary>
    public static GatewayOptions On(StorageProvider provider) => new() { Storage = { Provider = provider } };

    public static string ReadingTopic(string meter, string community = "c1") => $"commons/v1/{community}/{meter}/up/reading";

    /// <summary>A one-channel reading at the harness clock's current time unless ts is given.</summary>
    public Task<IngestResult> ReadingAsync(string meter, long seq, long register, long? tsMs = null, string channel = "main", string unit = "mL") =>
        PublishAsync(ReadingTopic(meter),
            $"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs ?? Time.GetUtcNow().ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"{channel}\",\"u\":\"{unit}\",\"reg\":{register}}}]}}");

    public async Task RegisterAsync(string meter, Resource resource = Resource.Water, string community = "c1")
    {
        var outcome = await Ledger.SubmitAsync(new RegisterMeterWrite(new MeterInfo(meter, community, resource), 0), CancellationToken.None);
        Assert.NotEqual(LedgerStatus.Conflict, outcome.Status);
    }

    /// <summary>Stops the writer (drains it), closes the store and opens everything again on the same file.</summary>
    public async Task RestartAsync()
    {
        await Ledger.StopAsync(CancellationToken.None);
        Ledger.Dispose();
        Metrics.Dispose();
        Open();
        await StartAsync();
    }

    public long UsageOf(string meter, string channel, DateTimeOffset from, DateTimeOffset to) =>
        Store.Usage(meter, UsageRules.HourStartMs(from.ToUnixTimeMilliseconds()), to.ToUnixTimeMilliseconds())
            .SingleOrDefault(c => c.Channel == channel)?.Usage ?? 0;

    /// <summary>A connection of its own to the ledger's database, for tests that look at the rows
    /// themselves: read-only on SQLite, the test's own database on PostgreSQL.</summary>
    public System.Data.Common.DbConnection OpenDatabase()
    {
        System.Data.Common.DbConnection db = Options.Storage.Provider == StorageProvider.Postgres
            ? new Npgsql.NpgsqlConnection(Options.Storage.ConnectionString)
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={DatabasePath};Mode=ReadOnly;Pooling=False");
        db.Open();
        return db;
    }

    public async ValueTask DisposeAsync()
    {
        await Ledger.StopAsync(CancellationToken.None);
        Ledger.Dispose();
        Metrics.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (_ownsDirectory)
        {
            try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
        }
    }

    private void Open()
    {
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Store = Options.Storage.Provider == StorageProvider.Postgres
            ? new PostgresStateStore(Options.Storage.ConnectionString!)
            : new SqliteStateStore(Options.Storage.DataDirectory, Options.Storage.Synchronous);
        Registry = new MeterRegistry();
        Metrics = new MeterExporter();
        // As the gateway wires it (GatewayServices): the confirmations hear of every ledger batch.
        Confirmations = new ConfirmationHub(Time);
        ConfirmationMetrics = new ConfirmationMetrics(Metrics);
        // And as the Sinks register it: with Influx:Kind set, the ledger appends their lines to sink_outbox.
        Ledger = new LedgerWriter(Store, Registry, Metrics, options, NullLogger<LedgerWriter>.Instance, batchObservers: [Confirmations],
            households: _households, sinkRows: new Gateway.Sinks.InfluxSinkRows(Options.Influx.SinkConfigured));
        Pipeline = new IngestPipeline(Registry, Ledger, Metrics, Time, options, NullLogger<IngestPipeline>.Instance, Confirmations, ConfirmationMetrics);
    }
}
