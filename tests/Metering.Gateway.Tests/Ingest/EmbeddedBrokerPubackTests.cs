using System.Net;
using System.Net.Sockets;
using System.Text;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>The embedded broker's PUBACK is held until the ledger transaction has committed, and
/// never sent when the commit fails (see the finding in EmbeddedBrokerIngest).</summary>
public sealed class EmbeddedBrokerPubackTests : IAsyncLifetime
{
    private readonly string _dir = Directory.CreateTempSubdirectory("puback-").FullName;
    private GatedStore _store = null!;
    private LedgerWriter _ledger = null!;
    private MeterExporter _metrics = null!;
    private EmbeddedBrokerIngest _broker = null!;
    private readonly BrokerHealth _health = new();
    private IMqttClient _client = null!;
    private readonly Microsoft.Extensions.Time.Testing.FakeTimeProvider _time = new(GatewayHarness.Start);

    public async Task InitializeAsync()
    {
        var options = new GatewayOptions();
        options.Storage.DataDirectory = _dir;
        options.Broker.Port = FreePort();
        options.Broker.RequireAuthentication = false; // anonymous test clients on loopback
        var o = Microsoft.Extensions.Options.Options.Create(options);
        _store = new GatedStore(new SqliteStateStore(_dir, SqliteSynchronous.Full));
        var registry = new MeterRegistry();
        _metrics = new MeterExporter();
        var metrics = _metrics;
        _ledger = new LedgerWriter(_store, registry, metrics, o, NullLogger<LedgerWriter>.Instance);
        await _ledger.StartAsync(CancellationToken.None);
        await _ledger.SubmitAsync(new RegisterMeterWrite(new MeterInfo("m1", "c1", Resource.Water), 0), CancellationToken.None);
        var pipeline = new IngestPipeline(registry, _ledger, metrics, _time, o, NullLogger<IngestPipeline>.Instance);
        _broker = new EmbeddedBrokerIngest(pipeline, _health, o, NullLogger<EmbeddedBrokerIngest>.Instance);
        await _broker.StartAsync(CancellationToken.None);
        _client = new MqttClientFactory().CreateMqttClient();
        await _client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", options.Broker.Port)
            .WithClientId("m1").WithCleanSession(false).WithProtocolVersion(MqttProtocolVersion.V311).Build());
    }

    public async Task DisposeAsync()
    {
        _store.Open_ = true;
        _store.Gate.Release(100);
        _client.Dispose();
        await _broker.StopAsync(CancellationToken.None);
        _broker.Dispose();
        await _ledger.StopAsync(CancellationToken.None);
        _ledger.Dispose();
        _metrics.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private Task PublishReading(long seq) => _client.PublishAsync(new MqttApplicationMessageBuilder()
        .WithTopic("commons/v1/c1/m1/up/reading")
        .WithPayload(Encoding.UTF8.GetBytes($"{{\"v\":1,\"seq\":{seq},\"ts\":{_time.GetUtcNow().ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{seq * 10}}}]}}"))
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
        .Build());

    [Fact]
    public async Task Puback_WaitsForTheCommit()
    {
        _store.Open_ = false;
        var publish = PublishReading(1);
        Assert.True(await _store.Entered.WaitAsync(TimeSpan.FromSeconds(10)), "the ledger never began the transaction");
        // The transaction is held open: on loopback a PUBACK sent now would arrive well within this.
        var early = await Task.WhenAny(publish, Task.Delay(TimeSpan.FromMilliseconds(500)));
        Assert.NotSame(publish, early);
        _store.Gate.Release();
        await publish.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(1, _store.ListMeters().Single().LastSeq);
    }

    [Fact]
    public async Task FailedCommit_SendsNoPuback_AndClosesTheConnection()
    {
        _store.Fail = true;
        var publish = PublishReading(1);
        await Assert.ThrowsAnyAsync<Exception>(() => publish.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.False(_client.IsConnected);
        Assert.Equal(0, _store.ListMeters().Single().LastSeq);
    }

    [Fact]
    public async Task AfterTheLedgerStopped_AnUplinkGetsNoPuback_AndIsNoLedgerFailure()
    {
        await _ledger.StopAsync(CancellationToken.None); // as at the end of a gateway run
        var publish = PublishReading(1);
        await Assert.ThrowsAnyAsync<Exception>(() => publish.WaitAsync(TimeSpan.FromSeconds(15)));
        Assert.False(_client.IsConnected);
        Assert.Null(_health.LedgerProblem);
        Assert.Equal(0, _store.ListMeters().Single().LastSeq);
    }

    private static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }
}
