using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ingest.Confirmations;
using Commons.Metering.Gateway.Ledger;
using Microsoft.Extensions.Time.Testing;
using static Commons.Metering.Gateway.Tests.Ingest.Confirmations.ConfirmationTestSupport;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Tests.Ingest.Confirmations;

/// <summary>Who is confirmed and what (docs/protocol.md, "confirmation"): the real pipeline and
/// ledger (GatewayHarness) feeding the hub, and the hub alone at its ledger seam.</summary>
public sealed class ConfirmationHubTests
{
    private static readonly MeterInfo M1 = new("m1", "c1", Resource.Water);

    [Fact]
    public async Task StatusWithConfirm_OwesAnEmptyConfirmationAtOnce_AndALegacyStatusNothing()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        await g.RegisterAsync("m1");
        await g.RegisterAsync("m2");
        Assert.Equal(IngestStatus.Committed, (await g.PublishAsync(StatusTopic("m1"), ConfirmingStatus)).Status);
        Assert.Equal(IngestStatus.Committed, (await g.PublishAsync(StatusTopic("m2"), LegacyStatus)).Status);
        var due = g.Confirmations.TakeDue();
        var hello = Assert.Single(due);
        Assert.Equal("commons/v1/c1/m1/down/confirm", hello.Topic);
        Assert.Equal("""{"v":1,"seqs":[]}""", System.Text.Encoding.UTF8.GetString(hello.Payload));
        Assert.True(g.Confirmations.Confirms("m1"));
        Assert.False(g.Confirmations.Confirms("m2"));
        Assert.Empty(g.Confirmations.TakeDue());
    }

    [Fact]
    public async Task OfflineWill_KeepsWhatTheLastOnlineStatusSaid_AndAnOnlineStatusWithoutConfirmEndsIt()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        await g.RegisterAsync("m1");
        await g.PublishAsync(StatusTopic("m1"), ConfirmingStatus);
        await g.PublishAsync(StatusTopic("m1"), OfflineWill);
        Assert.True(g.Confirmations.Confirms("m1"));
        await g.PublishAsync(StatusTopic("m1"), LegacyStatus); // reflashed with older firmware
        Assert.False(g.Confirmations.Confirms("m1"));
        await g.ReadingAsync("m1", 1, 10);
        Assert.Empty(g.Confirmations.TakeDue()); // the hello was owed to a device that no longer confirms
    }

    [Fact]
    public async Task Committed_Duplicates_AndRefusedForGood_AreConfirmed_ButNotAnUnreadableSeqNorAnotherMeter()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        await g.RegisterAsync("m1");
        await g.RegisterAsync("m2");
        await g.PublishAsync(StatusTopic("m1"), ConfirmingStatus);
        await g.PublishAsync(StatusTopic("m2"), LegacyStatus);
        g.Confirmations.TakeDue();
        var now = g.Time.GetUtcNow();
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", 1, 10)).Status);
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m1", 2, 20)).Status);
        Assert.Equal(IngestStatus.Duplicate, (await g.ReadingAsync("m1", 1, 10)).Status);
        Assert.Equal(RejectReason.BadUnit, (await g.ReadingAsync("m1", 3, 30, unit: "Wh")).Reason);
        Assert.Equal(RejectReason.ClockPast, (await g.ReadingAsync("m1", 5, 50, now.AddDays(-500).ToUnixTimeMilliseconds())).Reason);
        Assert.Equal(RejectReason.Malformed, (await g.PublishAsync(GatewayHarness.ReadingTopic("m1"), "{\"v\":1,\"seq\":8,\"ts\":1.5}")).Reason);
        Assert.Equal(RejectReason.Malformed, (await g.PublishAsync(GatewayHarness.ReadingTopic("m1"), "{\"v\":1,\"seq\":\"9\",\"ts\":1}")).Reason);
        Assert.Equal(RejectReason.Malformed, (await g.PublishAsync(GatewayHarness.ReadingTopic("m1"), "not json")).Reason);
        Assert.Equal(IngestStatus.Committed, (await g.PublishAsync("commons/v1/c1/m1/up/event", $"{{\"v\":1,\"seq\":10,\"ts\":{now.ToUnixTimeMilliseconds()},\"kind\":\"boot\"}}")).Status);
        Assert.Equal(IngestStatus.Committed, (await g.ReadingAsync("m2", 1, 10)).Status);

        var due = Assert.Single(g.Confirmations.TakeDue());
        Assert.Equal("commons/v1/c1/m1/down/confirm", due.Topic);
        // 1-3 (committed, duplicate, bad_unit), 5 (clock_past), 8 (malformed, seq readable), 10 (event); not 9.
        Assert.Equal([1, 3, 5, 5, 8, 8, 10, 10], Seqs(due.Payload));
        Assert.Equal(6, due.Seqs);
    }

    [Fact]
    public async Task UnknownMeter_ThatAnnouncesConfirmation_IsToldItsReadingsWereRefused()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        Assert.Equal(RejectReason.UnknownMeter, (await g.PublishAsync(StatusTopic("ghost"), ConfirmingStatus)).Reason);
        Assert.Equal(RejectReason.UnknownMeter, (await g.ReadingAsync("ghost", 7, 70)).Reason);
        var due = g.Confirmations.TakeDue();
        Assert.Equal([[], [7L, 7L]], due.Select(c => Seqs(c.Payload)).ToArray());
    }

    [Fact]
    public void MoreThanSixteenRanges_GoInFurtherMessages()
    {
        var hub = new ConfirmationHub(new FakeTimeProvider(GatewayHarness.Start));
        hub.StatusSeen("c1", "m1", new DeviceStatus("online", null, null, null, null, null, 1));
        hub.TakeDue();
        // 20 seqs, none next to another: 20 ranges.
        hub.BatchCommitted(Enumerable.Range(0, 20).Select(i => Done(1 + 2 * i, LedgerStatus.Committed)).ToList());
        var due = hub.TakeDue();
        Assert.Equal(2, due.Count);
        Assert.Equal(32, Seqs(due[0].Payload).Length);
        Assert.Equal(8, Seqs(due[1].Payload).Length);
        Assert.Equal(Enumerable.Range(0, 20).SelectMany(i => new long[] { 1 + 2 * i, 1 + 2 * i }), due.SelectMany(c => Seqs(c.Payload)));
    }

    [Fact]
    public void OneBatch_IsOneMessagePerMeter_WithItsCommittedAndDuplicateSeqs_OnlyForConfirmingMeters()
    {
        var hub = new ConfirmationHub(new FakeTimeProvider(GatewayHarness.Start));
        hub.StatusSeen("c1", "m1", new DeviceStatus("online", null, null, null, null, null, 1));
        hub.TakeDue();
        var m2 = new MeterInfo("m2", "c1", Resource.Water);
        hub.BatchCommitted(
        [
            Done(4, LedgerStatus.Committed), Done(5, LedgerStatus.Duplicate), Done(6, LedgerStatus.Committed),
            new LedgerDone(new ReadingWrite(m2, Reading(1), 0), LedgerOutcome.Committed), // m2 does not confirm
            new LedgerDone(new StatusWrite(M1, new DeviceStatus("online", null, null, null, null, null, 1), 0), LedgerOutcome.Committed),
        ]);
        var due = Assert.Single(hub.TakeDue());
        Assert.Equal([4, 6], Seqs(due.Payload));
    }

    [Fact]
    public void HeldMeter_IsConfirmedOnlyOnceItsReleaseTimeCame_TheHelloIsNotHeld()
    {
        var time = new FakeTimeProvider(GatewayHarness.Start);
        var hub = new ConfirmationHub(time);
        hub.StatusSeen("c1", "m1", new DeviceStatus("online", null, null, null, null, null, 1));
        hub.Hold("m1", time.GetUtcNow().AddSeconds(2));
        hub.BatchCommitted([Done(1, LedgerStatus.Committed)]);
        var first = hub.TakeDue(out var next);
        Assert.Equal([[]], first.Select(c => Seqs(c.Payload)).ToArray());
        Assert.Equal(time.GetUtcNow().AddSeconds(2), next);
        time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.Empty(hub.TakeDue());
        time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.Equal([1, 1], Seqs(Assert.Single(hub.TakeDue(out next)).Payload));
        Assert.Null(next);
    }

    private static Reading Reading(long seq) => new(seq, 0, [new ChannelRegister("main", Resource.Water, seq)], null);

    private static LedgerDone Done(long seq, LedgerStatus status) =>
        new(new ReadingWrite(M1, Reading(seq), 0), status == LedgerStatus.Duplicate ? LedgerOutcome.Duplicate : LedgerOutcome.Committed);
}
