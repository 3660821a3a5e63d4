using System.Buffers;
using System.Text;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.PolicyRuntime.Postgres;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Postgres;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>Downlinks as the broker would take them, kept in order (the seam the runtime sends through).</summary>
internal sealed class RecordingPublisher : IDownlinkPublisher
{
    private readonly List<(string Topic, Command Command)> _sent = [];

    public bool CanPublish { get; set; } = true;

    public IReadOnlyList<(string Topic, Command Command)> Sent { get { lock (_sent) return [.. _sent]; } }

    public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, CancellationToken cancellationToken)
    {
        if (!CanPublish) throw new InvalidOperationException("broker down (test)");
        Assert.True(CommandCodec.TryDecode(payload.Span, out var c, out var reason), reason);
        lock (_sent) _sent.Add((topic, c!));
        return Task.CompletedTask;
    }
}

/// <summary>The real ledger and runtime state (SQLite in a temporary folder, or with
/// <see cref="StorageProvider.Postgres"/> a fresh database of its own on the test run's PostgreSQL) with the
/// commons runtime observing it, a fake clock and a recording downlink publisher. Readings and acks go in
/// through the real ingest pipeline; <see cref="StepAsync"/> lets the runtime evaluate what was committed.
/// Restart keeps the folder and the database.</summary>
internal sealed class CommonsHarness : IAsyncDisposable
{
    public const string Community = "testville";

    private readonly Dictionary<string, long> _seq = new(StringComparer.Ordinal);
    private MeterExporter _ingestMeters = null!;

    public CommonsHarness(string yaml, CommonsOptions? options = null, FakeTimeProvider? time = null, string? directory = null, MeterExporter? metrics = null,
        StorageProvider provider = StorageProvider.Sqlite)
    {
        Metrics = metrics;
        Yaml = yaml;
        CommonsOptions = options ?? new CommonsOptions();
        Directory = directory ?? System.IO.Directory.CreateTempSubdirectory("commons-tests-").FullName;
        Time = time ?? new FakeTimeProvider(Start);
        Options = new GatewayOptions { Registry = { AutoRegister = true }, Storage = { DataDirectory = Directory, Synchronous = SqliteSynchronous.Normal } };
        if (provider == StorageProvider.Postgres)
        {
            Options.Storage.Provider = StorageProvider.Postgres;
            Options.Storage.ConnectionString = TestPostgres.CreateDatabase();
        }
        Open();
    }

    /// <summary>2026-03-02T00:00Z, a Monday at midnight UTC.</summary>
    public static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    public string Yaml { get; }

    /// <summary>The registry the runtime's metering_policy_* metrics go to, when the test asked for one.</summary>
    public MeterExporter? Metrics { get; }
    public CommonsOptions CommonsOptions { get; }
    public string Directory { get; }
    public FakeTimeProvider Time { get; }
    public GatewayOptions Options { get; }
    public PolicyStore Policy { get; private set; } = null!;
    public IStateStore Store { get; private set; } = null!;
    public LedgerWriter Ledger { get; private set; } = null!;
    public IngestPipeline Pipeline { get; private set; } = null!;
    public RecordingPublisher Publisher { get; private set; } = new();
    public CommonsRuntime Runtime { get; private set; } = null!;

    private void Open()
    {
        var options = Microsoft.Extensions.Options.Options.Create(Options);
        Policy = new PolicyStore();
        var loaded = Policy.TryApply(Yaml, "test.yaml");
        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        Store = Options.Storage.Provider == StorageProvider.Postgres
            ? new PostgresStateStore(Options.Storage.ConnectionString!)
            : new SqliteStateStore(Directory, Options.Storage.Synchronous);
        var feed = new CommitFeed(CommonsOptions);
        var registry = new MeterRegistry();
        // The ledger's and ingest's meters, apart from the runtime's (Metrics, when the test asked for them).
        _ingestMeters = new MeterExporter();
        var metrics = _ingestMeters;
        Ledger = new LedgerWriter(Store, registry, metrics, options, NullLogger<LedgerWriter>.Instance, [feed]);
        Pipeline = new IngestPipeline(registry, Ledger, metrics, Time, options, NullLogger<IngestPipeline>.Instance);
        Runtime = new CommonsRuntime(Policy, Store, Publisher, feed, CommonsOptions, Directory, Time, NullLogger<CommonsRuntime>.Instance, Metrics,
            (path, community) => OpenStore(Options.Storage, path, community));
    }

    /// <summary>The runtime's state store of the provider <paramref name="storage"/> names (GatewayServices' choice).</summary>
    public static ICommonsStore OpenStore(StorageOptions storage, string path, string community) => storage.Provider == StorageProvider.Postgres
        ? new PostgresCommonsStore(storage.ConnectionString!, community)
        : new CommonsDb(path);

    public async Task StartAsync()
    {
        await Ledger.StartAsync(CancellationToken.None);
        Runtime.Initialize();
    }

    /// <summary>Lets the runtime evaluate every committed write and send what is due (no background loop).</summary>
    public Task StepAsync() => Runtime.RunOnceAsync();

    /// <summary>Advances the fake clock in steps of at most a minute, stepping the runtime after each.</summary>
    public async Task AdvanceAsync(TimeSpan by)
    {
        var step = TimeSpan.FromMinutes(1);
        for (var left = by; left > TimeSpan.Zero; left -= step)
        {
            Time.Advance(left < step ? left : step);
            await StepAsync();
        }
    }

    public async Task<IngestResult> PublishAsync(string meter, string kind, string payload)
    {
        var result = await Pipeline.HandleAsync($"commons/v1/{Community}/{meter}/up/{kind}",
            new ReadOnlySequence<byte>(Encoding.UTF8.GetBytes(payload)), CancellationToken.None);
        Assert.True(result.Status == IngestStatus.Committed, $"{kind} of {meter}: {result.Status} {result.Reason}");
        return result;
    }

    /// <summary>A reading at the fake clock's time with the meter's next sequence number.</summary>
    public Task ReadingAsync(string meter, params (string Channel, long Register)[] channels) => ReadingAsync(meter, "mL", channels);

    public async Task ReadingAsync(string meter, string unit, params (string Channel, long Register)[] channels)
    {
        var seq = _seq[meter] = _seq.GetValueOrDefault(meter) + 1;
        await PublishAsync(meter, "reading", $"{{\"v\":1,\"seq\":{seq},\"ts\":{Time.GetUtcNow().ToUnixTimeMilliseconds()},\"ch\":[" +
            string.Join(",", channels.Select(c => $"{{\"n\":\"{c.Channel}\",\"u\":\"{unit}\",\"reg\":{c.Register}}}")) + "]}");
        await StepAsync();
    }

    public async Task EventAsync(string meter, string kind, string channel)
    {
        var seq = _seq[meter] = _seq.GetValueOrDefault(meter) + 1;
        await PublishAsync(meter, "event", $"{{\"v\":1,\"seq\":{seq},\"ts\":{Time.GetUtcNow().ToUnixTimeMilliseconds()},\"kind\":\"{kind}\",\"ch\":\"{channel}\"}}");
        await StepAsync();
    }

    /// <summary>The device's answer to a command (docs/protocol.md "ack").</summary>
    public async Task AckAsync(string meter, string cid, string? error = null)
    {
        await PublishAsync(meter, "ack", error is null
            ? $"{{\"v\":1,\"cid\":\"{cid}\",\"ok\":true,\"ts\":{Time.GetUtcNow().ToUnixTimeMilliseconds()}}}"
            : $"{{\"v\":1,\"cid\":\"{cid}\",\"ok\":false,\"err\":\"{error}\",\"ts\":{Time.GetUtcNow().ToUnixTimeMilliseconds()}}}");
        await StepAsync();
    }

    /// <summary>Devices that answer `ok` to every command they were sent and have not answered yet (all meters, or
    /// <paramref name="meter"/>), until none is left: each ack lets the per-device window send the next ones.</summary>
    public async Task AckEverythingAsync(string? meter = null)
    {
        // A device answers every command it received, a superseded one too (its copy was on its way).
        var answered = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 0; round < 100; round++)
        {
            var sent = Runtime.Commands(10_000).Where(c => (c.State == "sent" || c.State == "superseded" && c.Attempts > 0)
                && (meter is null || c.Meter == meter) && !answered.Contains(c.Cid)).ToList();
            if (sent.Count == 0) return;
            foreach (var c in sent)
            {
                answered.Add(c.Cid);
                await AckAsync(c.Meter, c.Cid);
            }
        }
        Assert.Fail("commands kept coming after 100 rounds of acks");
    }

    /// <summary>Commands sent to one meter, in order.</summary>
    public IReadOnlyList<Command> SentTo(string meter) =>
        Publisher.Sent.Where(s => s.Topic == $"commons/v1/{Community}/{meter}/down/cmd").Select(s => s.Command).ToList();

    /// <summary>Valve commands sent to one meter, in order (the policy pushes are left out).</summary>
    public IReadOnlyList<Command> Valves(string meter) => SentTo(meter).Where(c => c.Op == "valve").ToList();

    public CommandView Command(string cid) => Runtime.Commands(10_000).Single(c => c.Cid == cid);

    public IReadOnlyList<string> AuditKinds() => Runtime.Audit(10_000).Reverse().Select(r => r.Kind).ToList();

    /// <summary>Stops everything and opens it again on the same folder (a gateway restart); the new
    /// runtime sends through a fresh publisher, so what it resends is all that <see cref="Publisher"/> shows.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        Publisher = new RecordingPublisher();
        Open();
        await StartAsync();
    }

    private async Task StopAsync()
    {
        await Ledger.StopAsync(CancellationToken.None);
        Ledger.Dispose();
        _ingestMeters.Dispose();
        Runtime.Dispose();
        Store.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
