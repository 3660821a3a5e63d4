using System.Text;
using System.Threading.Channels;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ingest.Confirmations;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Ledger.Sqlite;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using static Commons.Metering.Gateway.Tests.Ingest.Confirmations.ConfirmationTestSupport;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Telemetry;
using Commons.Metering.Gateway.Tests.Telemetry;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>End-to-end confirmation through the real embedded broker, the real ledger (SQLite, its
/// transactions held at will) and raw MQTTnet clients acting as devices: a confirming device gets
/// its PUBACK before the commit and its confirmation after; an older device keeps "PUBACK after
/// commit" and gets no confirmation; pacing holds confirmations back without a disconnect, and a
/// flood is still refused (docs/protocol.md, "confirmation").</summary>
public sealed class EmbeddedBrokerConfirmationTests : IAsyncDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15); // a hang guard, not a timing

    private readonly string _dir = Directory.CreateTempSubdirectory("confirm-").FullName;
    private readonly List<IMqttClient> _clients = [];
    private GatedStore _store = null!;
    private LedgerWriter _ledger = null!;
    private EmbeddedBrokerIngest _broker = null!;
    private ConfirmationSender _sender = null!;
    private MeterExporter _metrics = null!;
    private ConfirmationMetrics _confirmations = null!;
    private int _port;
    private readonly BrokerHealth _health = new();

    private async Task StartAsync(double perSecond = 1000, int burst = 1000)
    {
        var options = new GatewayOptions();
        options.Storage.DataDirectory = _dir;
        options.Broker.Port = _port = global::Commons.Metering.Testing.FreePort.Next();
        options.Broker.RequireAuthentication = false;
        options.Broker.RateLimitPerMeterPerSecond = perSecond;
        options.Broker.RateLimitBurst = burst;
        var o = Microsoft.Extensions.Options.Options.Create(options);
        var time = TimeProvider.System;
        _store = new GatedStore(new SqliteStateStore(_dir, SqliteSynchronous.Full));
        var registry = new MeterRegistry();
        _metrics = new MeterExporter();
        _confirmations = new ConfirmationMetrics(_metrics);
        var hub = new ConfirmationHub(time);
        _ledger = new LedgerWriter(_store, registry, _metrics, o, NullLogger<LedgerWriter>.Instance, batchObservers: [hub]);
        await _ledger.StartAsync(CancellationToken.None);
        foreach (var meter in new[] { "m1", "m2" })
            await _ledger.SubmitAsync(new RegisterMeterWrite(new MeterInfo(meter, "c1", Resource.Water), 0), CancellationToken.None);
        var pipeline = new IngestPipeline(registry, _ledger, _metrics, time, o, NullLogger<IngestPipeline>.Instance, hub, _confirmations);
        _broker = new EmbeddedBrokerIngest(pipeline, _health, o, NullLogger<EmbeddedBrokerIngest>.Instance, _metrics, time);
        await _broker.StartAsync(CancellationToken.None);
        _sender = new ConfirmationSender(hub, _broker, _confirmations, time, NullLogger<ConfirmationSender>.Instance);
        await _sender.StartAsync(CancellationToken.None);
    }

    public async ValueTask DisposeAsync()
    {
        if (_store is not null)
        {
            _store.Open_ = true;
            _store.Gate.Release(100);
        }
        foreach (var c in _clients) c.Dispose();
        if (_sender is not null)
        {
            await _sender.StopAsync(CancellationToken.None);
            _sender.Dispose();
        }
        if (_broker is not null)
        {
            await _broker.StopAsync(CancellationToken.None);
            _broker.Dispose();
        }
        if (_ledger is not null)
        {
            await _ledger.StopAsync(CancellationToken.None);
            _ledger.Dispose();
        }
        _metrics?.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    /// <summary>A device as the firmware connects: client id = meter id, cleanSession=false, MQTT
    /// 3.1.1, subscribed to its own down/confirm; what arrives there is collected.</summary>
    private async Task<(IMqttClient Client, Channel<long[]> Confirmations)> DeviceAsync(string meter, string status)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        _clients.Add(client);
        var received = Channel.CreateUnbounded<long[]>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            received.Writer.TryWrite(Seqs(System.Buffers.BuffersExtensions.ToArray(e.ApplicationMessage.Payload)));
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _port)
            .WithClientId(meter).WithCleanSession(false).WithProtocolVersion(MqttProtocolVersion.V311).Build());
        await client.SubscribeAsync($"commons/v1/c1/{meter}/down/confirm", MqttQualityOfServiceLevel.AtLeastOnce);
        await PublishAsync(client, meter, "status", status);
        return (client, received);
    }

    private static Task PublishAsync(IMqttClient client, string meter, string kind, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder()
            .WithTopic($"commons/v1/c1/{meter}/up/{kind}")
            .WithPayload(Encoding.UTF8.GetBytes(payload))
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .Build());

    private static string Reading(long seq, string unit = "mL") =>
        $"{{\"v\":1,\"seq\":{seq},\"ts\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"main\",\"u\":\"{unit}\",\"reg\":{seq * 10}}}]}}";

    private long LastSeq(string meter) => _store.ListMeters().Single(m => m.Meter.Id == meter).LastSeq;

    /// <summary>The seqs confirmed, range by range, until at least <paramref name="count"/> are.</summary>
    private static async Task<SortedSet<long>> ConfirmedAsync(Channel<long[]> confirmations, int count)
    {
        var confirmed = new SortedSet<long>();
        while (confirmed.Count < count)
        {
            var seqs = await NextAsync(confirmations);
            for (var i = 0; i < seqs.Length; i += 2)
                for (var s = seqs[i]; s <= seqs[i + 1]; s++) confirmed.Add(s);
        }
        return confirmed;
    }

    private static Task<long[]> NextAsync(Channel<long[]> confirmations) => confirmations.Reader.ReadAsync().AsTask().WaitAsync(Guard);

    [Fact]
    public async Task ConfirmingDevice_GetsItsPubackBeforeTheCommit_ItsConfirmationAfter_AndDuplicatesAndRefusalsConfirmedToo()
    {
        await StartAsync();
        var (device, confirmations) = await DeviceAsync("m1", ConfirmingStatus);
        Assert.Empty(await NextAsync(confirmations)); // the hello: this gateway confirms

        _store.Open_ = false; // the next transaction is held at Begin
        await PublishAsync(device, "m1", "reading", Reading(1)).WaitAsync(Guard); // PUBACK while the ledger is held
        Assert.True(await _store.Entered.WaitAsync(Guard), "the ledger never began the transaction");
        Assert.Equal(0, LastSeq("m1"));
        Assert.False(confirmations.Reader.TryRead(out _), "confirmed before the commit");
        _store.Open_ = true;
        _store.Gate.Release();
        Assert.Equal(new long[] { 1, 1 }, await NextAsync(confirmations));
        Assert.Equal(1, LastSeq("m1"));

        await PublishAsync(device, "m1", "reading", Reading(1));
        Assert.Equal(new long[] { 1, 1 }, await NextAsync(confirmations)); // a redelivery is confirmed again
        await PublishAsync(device, "m1", "reading", Reading(2, unit: "Wh"));
        Assert.Equal(new long[] { 2, 2 }, await NextAsync(confirmations)); // bad_unit: refused for good, the device may let it go
        Assert.Equal(1, LastSeq("m1"));
        Assert.Equal((1, 1), (await _metrics.RejectedAsync("duplicate"), await _metrics.RejectedAsync("bad_unit")));
        Assert.Equal((4, 3), (await _metrics.ValueAsync("metering_confirmations_sent_total"), await _metrics.ValueAsync("metering_confirmed_seqs_total")));
        Assert.True(device.IsConnected);
    }

    [Fact]
    public async Task FailedCommit_OfAConfirmingDevice_IsNotConfirmed_ItsConnectionIsClosed_AndTheResendIsConfirmed()
    {
        var unobserved = 0;
        await StartAsync();
        // The event is process-wide and other test classes run beside this one: count only the
        // exceptions that carry this store's own failure.
        EventHandler<UnobservedTaskExceptionEventArgs> count = (_, e) =>
        {
            if (e.Exception.ToString().Contains(_store.FailureText)) Interlocked.Increment(ref unobserved);
        };
        TaskScheduler.UnobservedTaskException += count;
        try
        {
            var (device, confirmations) = await DeviceAsync("m1", ConfirmingStatus);
            Assert.Empty(await NextAsync(confirmations));
            _store.Fail = true;
            await PublishAsync(device, "m1", "reading", Reading(1)).WaitAsync(Guard); // acknowledged: the device waits for its confirmation
            while (_health.LedgerProblem is null) await Task.Delay(10).WaitAsync(Guard);
            Assert.Contains("disk full", _health.LedgerProblem);
            Assert.False(confirmations.Reader.TryRead(out _), "a reading the ledger failed to commit was confirmed");
            // Closed, as an older device's would be: it sends everything unconfirmed again, oldest
            // first, when it is back, so nothing of its later commits ahead of the failed one.
            while (device.IsConnected) await Task.Delay(10).WaitAsync(Guard);
            _store.Fail = false;
            var (again, confirmedAgain) = await DeviceAsync("m1", ConfirmingStatus);
            Assert.Empty(await NextAsync(confirmedAgain));
            await PublishAsync(again, "m1", "reading", Reading(1)); // the resend after reconnecting
            Assert.Equal(new long[] { 1, 1 }, await NextAsync(confirmedAgain));
            Assert.Equal(1, LastSeq("m1"));
            while (_health.LedgerProblem is not null) await Task.Delay(10).WaitAsync(Guard);
            GC.Collect();
            GC.WaitForPendingFinalizers();
            Assert.Equal(0, unobserved);
        }
        finally
        {
            TaskScheduler.UnobservedTaskException -= count;
        }
    }

    [Fact]
    public async Task PipelinedBurst_OfAConfirmingDevice_IsCommittedInItsOrder_AndConfirmedInFull()
    {
        await StartAsync();
        var (device, confirmations) = await DeviceAsync("m1", ConfirmingStatus);
        Assert.Empty(await NextAsync(confirmations));
        // Sent back to back without waiting for PUBACKs: the broker acknowledges each at once, and
        // the ledger must still take them in the device's order (else: late and seq_gap flags).
        await Task.WhenAll(Enumerable.Range(1, 300).Select(seq => PublishAsync(device, "m1", "reading", Reading(seq)))).WaitAsync(Guard);
        var confirmed = await ConfirmedAsync(confirmations, 300);
        Assert.Equal(300, LastSeq("m1"));
        // The pipeline counts a reading when its commit's task resumes, which may be just after the
        // writer sent the batch's confirmation.
        await Poll.UntilOrFailAsync(async () => await _metrics.ReadingsIngestedAsync() >= 300, Guard, () => "fewer than 300 counted");
        Assert.Equal(300, await _metrics.ReadingsIngestedAsync());
        Assert.Equal((0, 0), (await _metrics.FlaggedAsync("late"), await _metrics.FlaggedAsync("seq_gap")));
        Assert.True(await _metrics.ValueAsync("metering_confirmations_sent_total") < 1 + 300, "not batched: one confirmation per reading");
    }

    [Fact]
    public async Task LegacyDevice_GetsItsPubackOnlyAfterTheCommit_AndNoConfirmation()
    {
        await StartAsync();
        var (device, confirmations) = await DeviceAsync("m2", LegacyStatus);
        _store.Open_ = false;
        var publish = PublishAsync(device, "m2", "reading", Reading(1));
        Assert.True(await _store.Entered.WaitAsync(Guard), "the ledger never began the transaction");
        // The transaction is held open: on loopback a PUBACK sent now would arrive well within this.
        Assert.NotSame(publish, await Task.WhenAny(publish, Task.Delay(TimeSpan.FromMilliseconds(500))));
        _store.Open_ = true;
        _store.Gate.Release();
        await publish.WaitAsync(Guard);
        Assert.Equal(1, LastSeq("m2")); // committed when the PUBACK came

        // A confirming device after it: its confirmations arrive, the old one's channel stays empty.
        var (_, confirming) = await DeviceAsync("m1", ConfirmingStatus);
        Assert.Empty(await NextAsync(confirming));
        Assert.False(confirmations.Reader.TryRead(out _));
        Assert.Equal(1, await _metrics.ValueAsync("metering_confirmations_sent_total")); // only the confirming device's hello
    }

    [Fact]
    public async Task LearningDevice_ThatStillTrustsItsPuback_GetsItOnlyAfterTheCommit_AndIsConfirmedAllTheSame()
    {
        await StartAsync();
        var (device, confirmations) = await DeviceAsync("m2", LearningStatus);
        Assert.Empty(await NextAsync(confirmations)); // the hello it learns from
        _store.Open_ = false;
        var publish = PublishAsync(device, "m2", "reading", Reading(1));
        Assert.True(await _store.Entered.WaitAsync(Guard), "the ledger never began the transaction");
        // "confirm":1 removes a record on its PUBACK: a PUBACK before the commit could lose it.
        Assert.NotSame(publish, await Task.WhenAny(publish, Task.Delay(TimeSpan.FromMilliseconds(500))));
        _store.Open_ = true;
        _store.Gate.Release();
        await publish.WaitAsync(Guard);
        Assert.Equal(1, LastSeq("m2"));
        Assert.Equal(new long[] { 1, 1 }, await NextAsync(confirmations));
    }

    [Fact]
    public async Task OverItsRate_AConfirmingDeviceIsPacedWithoutADisconnect_ThenAFloodIsRefusedAndCounted()
    {
        await StartAsync(perSecond: 20, burst: 10);
        var (device, confirmations) = await DeviceAsync("m1", ConfirmingStatus);
        Assert.Empty(await NextAsync(confirmations));

        // 20 in flight at once: 10 from the burst, ~10 on credit at 20/s.
        await Task.WhenAll(Enumerable.Range(1, 20).Select(seq => PublishAsync(device, "m1", "reading", Reading(seq)))).WaitAsync(Guard);
        var confirmed = await ConfirmedAsync(confirmations, 20);
        Assert.Equal(Enumerable.Range(1, 20).Select(i => (long)i), confirmed);
        Assert.True(device.IsConnected);
        Assert.InRange(await _metrics.ValueAsync("metering_confirmations_paced_total"), 5, 10);
        Assert.Equal(0, await _metrics.RejectedAsync("rate_limited"));
        Assert.Equal(20, LastSeq("m1"));

        // A flood: 60 more at once, far beyond the burst over its rate.
        try
        {
            await Task.WhenAll(Enumerable.Range(21, 60).Select(seq => PublishAsync(device, "m1", "reading", Reading(seq)))).WaitAsync(Guard);
        }
        catch (Exception e) when (e is not TimeoutException)
        {
            // The refused ones get no PUBACK: the connection is closed under them.
        }
        Assert.True(await _metrics.RejectedAsync("rate_limited") >= 1);
        Assert.False(device.IsConnected);
        Assert.True(LastSeq("m1") < 80, $"the flood was committed through seq {LastSeq("m1")}");
    }
}
