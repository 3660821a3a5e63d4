using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Backup;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Tests.Commons;
using Commons.Metering.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Backup;

/// <summary>A restore leaves the refill request (per meter the newest seq the restored ledger holds), and the
/// gateway asks each meter for its flash window until it answers: at start, again at its online status, and
/// strikes it off at its ack (ok, or unknown_op from older firmware); the file goes when all answered.</summary>
public sealed class RefillAfterRestoreTests : IAsyncLifetime
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
    private readonly string _root = Directory.CreateTempSubdirectory("refill-restore-").FullName;
    private GatewayHarness _g = null!;

    private string Restored => Path.Combine(_root, "restored");

    public async Task InitializeAsync()
    {
        _g = new GatewayHarness();
        await _g.StartAsync();
        await _g.RegisterAsync("w-1");
        await _g.RegisterAsync("e-1", Resource.Energy);
        await _g.RegisterAsync("f-1", Resource.Forest); // registered, nothing received yet
        await _g.ReadingAsync("w-1", 1, 1000);
        await _g.ReadingAsync("w-1", 2, 1500);
        await _g.ReadingAsync("e-1", 7, 40, unit: "Wh");
        var backup = BackupWriter.Create(_g.Directory, Path.Combine(_root, "backups"), 3, _g.Time, "test");
        BackupRestore.Restore(backup.Folder, Restored);
    }

    public async Task DisposeAsync()
    {
        await _g.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public void ARestore_LeavesEveryMeterOfTheLedger_WithItsNewestSeq()
    {
        var request = RefillRequest.Load(Path.Combine(Restored, RefillRequest.FileName));
        Assert.NotNull(request);
        Assert.Matches("^rf-[0-9]+$", request.Cid);
        Assert.Equal([("e-1", "c1", 7L), ("f-1", "c1", 0L), ("w-1", "c1", 2L)], request.Meters.Select(m => (m.Id, m.Community, m.AfterSeq)));
    }

    [Fact]
    public async Task EachMeterIsAsked_UntilItAnswers_ThenTheRequestIsGone()
    {
        var file = Path.Combine(Restored, RefillRequest.FileName);
        var cid = RefillRequest.Load(file)!.Cid;
        var publisher = new RecordingPublisher();
        var time = new FakeTimeProvider(GatewayHarness.Start);
        using var service = new RefillAfterRestore(Restored, () => publisher, time, NullLogger<RefillAfterRestore>.Instance);
        await service.StartAsync(CancellationToken.None);

        await Poll.UntilOrFailAsync(() => publisher.Sent.Count == 3, Bound, () => $"{publisher.Sent.Count} sent");
        Assert.Equal(["commons/v1/c1/e-1/down/cmd", "commons/v1/c1/f-1/down/cmd", "commons/v1/c1/w-1/down/cmd"], publisher.Sent.Select(s => s.Topic).Order());
        Assert.All(publisher.Sent, s => Assert.Equal(("refill", cid), (s.Command.Op, s.Command.Cid)));
        Assert.Equal(2L, publisher.Sent.Single(s => s.Topic.Contains("/w-1/", StringComparison.Ordinal)).Command.After);

        service.Committed(Ack("w-1", cid, ok: true), LedgerOutcome.Committed);
        service.Committed(Ack("w-1", "g7", ok: true), LedgerOutcome.Committed); // another command's ack changes nothing
        await Poll.UntilOrFailAsync(() => RefillRequest.Load(file)!.Meters.Count == 2, Bound, () => File.ReadAllText(file));
        Assert.Equal(["e-1", "f-1"], RefillRequest.Load(file)!.Meters.Select(m => m.Id));

        // e-1 comes online: asked again at once, alone.
        service.Committed(new StatusWrite(Meter("e-1"), new DeviceStatus("online", "1.0.0", 1, 0, null, null, 2), 0), LedgerOutcome.Committed);
        await Poll.UntilOrFailAsync(() => publisher.Sent.Count == 4, Bound, () => $"{publisher.Sent.Count} sent");
        Assert.Equal("commons/v1/c1/e-1/down/cmd", publisher.Sent[^1].Topic);

        // Nobody answers for a minute: the ones left are asked again.
        time.Advance(TimeSpan.FromSeconds(RefillAfterRestore.ResendSeconds));
        await Poll.UntilOrFailAsync(() => publisher.Sent.Count == 6, Bound, () => $"{publisher.Sent.Count} sent");

        service.Committed(Ack("e-1", cid, ok: true), LedgerOutcome.Committed);
        service.Committed(Ack("f-1", cid, ok: false, error: "unknown_op"), LedgerOutcome.Committed);
        await Poll.UntilOrFailAsync(() => !File.Exists(file), Bound, () => File.ReadAllText(file));
        Assert.Equal(0, service.Pending);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AMeterWhoseCommandWasLost_IsAskedAgainAMinuteAfterTheStart_ThoughAnotherMeterWokeTheServiceMeanwhile()
    {
        // The fresh-clone run: a meter's first refill was lost (sent before it subscribed to the restarted
        // broker) while the others' statuses and acks kept waking the service; the full resend's timer
        // restarted at each wake, so that meter was not asked again within the test's two minutes.
        var publisher = new RecordingPublisher();
        var time = new FakeTimeProvider(GatewayHarness.Start);
        using var service = new RefillAfterRestore(Restored, () => publisher, time, NullLogger<RefillAfterRestore>.Instance);
        await service.StartAsync(CancellationToken.None);
        await Poll.UntilOrFailAsync(() => publisher.Sent.Count == 3, Bound, () => $"{publisher.Sent.Count} sent");

        time.Advance(TimeSpan.FromSeconds(40));
        service.Committed(new StatusWrite(Meter("e-1"), new DeviceStatus("online", "1.0.0", 1, 0, null, null, 2), 0), LedgerOutcome.Committed);
        await Poll.UntilOrFailAsync(() => publisher.Sent.Count == 4, Bound, () => $"{publisher.Sent.Count} sent");

        // A minute after the start, not a minute after e-1's wake: every meter still pending is asked again.
        time.Advance(TimeSpan.FromSeconds(RefillAfterRestore.ResendSeconds - 40));
        await Poll.UntilOrFailAsync(() => publisher.Sent.Count == 7, Bound, () => $"{publisher.Sent.Count} sent");
        Assert.Equal(["commons/v1/c1/e-1/down/cmd", "commons/v1/c1/f-1/down/cmd", "commons/v1/c1/w-1/down/cmd"], publisher.Sent.Skip(4).Select(s => s.Topic).Order());
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task WithoutARequest_NothingIsSent()
    {
        var publisher = new RecordingPublisher();
        using var service = new RefillAfterRestore(_g.Directory, () => publisher, new FakeTimeProvider(), NullLogger<RefillAfterRestore>.Instance);
        await service.StartAsync(CancellationToken.None);
        await service.ExecuteTask!;
        Assert.Empty(publisher.Sent);
    }

    private static MeterInfo Meter(string id) => new(id, "c1", id[0] == 'e' ? Resource.Energy : id[0] == 'f' ? Resource.Forest : Resource.Water);

    private static AckWrite Ack(string meter, string cid, bool ok, string? error = null) => new(Meter(meter), new CommandAck(cid, ok, error, 0), 0);
}
