using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.PolicyRuntime;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>The per-device window (Commons/README.md "Per-device window"; docs/protocol.md): a device buffers
/// 4 downlinks between two ticks, so the gateway keeps at most 3 routine commands outstanding per device
/// (the fourth slot only for an actuation) and sends the next one as an ack frees a slot, never waiting
/// for a resend timer. The fake clock never moves in these tests unless said so.</summary>
public class CommonsWindowTests
{
    private readonly StorageProvider _provider;

    public CommonsWindowTests() : this(StorageProvider.Sqlite)
    {
    }

    protected CommonsWindowTests(StorageProvider provider) => _provider = provider;

    private static readonly string[] Channels = ["c1", "c2", "c3", "c4", "c5", "c6"];

    /// <summary>One household meter with six channels and safety thresholds: 6 allowances + 6 safety = 12 pushes at start.</summary>
    private static readonly string SixChannels = $$"""
        version: 1
        community: testville
        council: { k: 1, members: [amina] }
        households:
          - { id: h1, persons: 2, meters: [{ id: w-h1, resource: water, channels: [{{string.Join(", ", Channels.Select(c => $"{{ id: {c}, use: standard }}"))}}] }] }
        resources:
          water:
            period: day
            cap: 1_000_000
            floor_per_person: 50_000
            sharing: per_household
            safety: { leak_minutes: 10, burst_max_per_minute: 30_000 }
        """;

    private static Task ReadingAsync(CommonsHarness h) => h.ReadingAsync("w-h1", [.. Channels.Select(c => (c, 0L))]);

    private static int Outstanding(CommonsHarness h, string meter) => h.Runtime.Commands(10_000).Count(c => c.Meter == meter && c.State == "sent");

    [Fact]
    public async Task TwelveDueCommands_NeverMoreThanThreeOutstanding_AllAckedInPriorityOrder_WithoutResendTimers()
    {
        await using var h = new CommonsHarness(SixChannels, provider: _provider);
        await h.StartAsync();
        await ReadingAsync(h);
        var issued = h.Runtime.Commands(10_000).Where(c => c.Meter == "w-h1").ToList();
        Assert.Equal(12, issued.Count);
        Assert.Equal(CommandBook.DeviceWindow, h.SentTo("w-h1").Count);

        var acked = new List<string>();
        for (var round = 0; round < 20 && Outstanding(h, "w-h1") > 0; round++)
        {
            Assert.InRange(Outstanding(h, "w-h1"), 1, CommandBook.DeviceWindow);
            // The device's tick answers the oldest message in its inbox.
            var oldest = h.SentTo("w-h1").First(c => !acked.Contains(c.Cid));
            await h.AckAsync("w-h1", oldest.Cid);
            acked.Add(oldest.Cid);
            Assert.InRange(Outstanding(h, "w-h1"), 0, CommandBook.DeviceWindow);
        }

        Assert.Equal(12, acked.Count);
        Assert.All(h.Runtime.Commands(10_000), c => Assert.Equal("acked", c.State));
        // Each sent exactly once (no resend was needed), safety thresholds before allowances, each class in issue order.
        var sent = h.SentTo("w-h1");
        Assert.Equal(12, sent.Count);
        Assert.Equal(sent.Select(c => c.Cid), acked);
        Assert.Equal(Enumerable.Repeat("safety", 6).Concat(Enumerable.Repeat("allowance", 6)), sent.Select(c => c.Op));
        Assert.Equal(Channels.Concat(Channels), sent.Select(c => c.Channel));
        Assert.Equal(CommonsHarness.Start, h.Time.GetUtcNow());
    }

    [Fact]
    public async Task ASafetyCut_TakesTheSpareFourthSlot_WhileRoutinePushesWaitForAnAck()
    {
        await using var h = new CommonsHarness(TestPolicy.Yaml, provider: _provider);
        await h.StartAsync();
        await h.ReadingAsync("w-h1", ("kitchen", 0), ("garden", 0));   // 4 pushes: 3 go out, 1 waits
        Assert.Equal(CommandBook.DeviceWindow, Outstanding(h, "w-h1"));
        var waiting = Assert.Single(h.Runtime.Commands(100), c => c.Meter == "w-h1" && c.State == "pending");

        await h.AdvanceAsync(TimeSpan.FromMinutes(1));
        await h.ReadingAsync("w-h1", ("kitchen", 60_000), ("garden", 0)); // a burst: the valve closes now
        Assert.Equal(("kitchen", "closed"), (h.SentTo("w-h1")[^1].Channel, h.SentTo("w-h1")[^1].State));
        Assert.Equal(CommandBook.DeviceInbox, Outstanding(h, "w-h1"));

        // One ack leaves 3 outstanding: still no room for a routine push; a second ack makes room.
        var pushes = h.SentTo("w-h1").Where(c => c.Op != "valve").Select(c => c.Cid).Distinct().ToList();
        await h.AckAsync("w-h1", pushes[0]);
        Assert.Equal("pending", h.Command(waiting.Cid).State);
        await h.AckAsync("w-h1", pushes[1]);
        Assert.Equal("sent", h.Command(waiting.Cid).State);
        Assert.Equal(CommandBook.DeviceWindow, Outstanding(h, "w-h1"));
    }

    [Fact]
    public async Task TheWindow_SurvivesAGatewayRestart_NothingIsLostOrSentTwice()
    {
        var h = new CommonsHarness(SixChannels, provider: _provider);
        try
        {
            await h.StartAsync();
            await ReadingAsync(h);
            var first = h.SentTo("w-h1").Select(c => c.Cid).ToList();
            Assert.Equal(CommandBook.DeviceWindow, first.Count);

            await h.RestartAsync();
            await h.StepAsync();
            Assert.Empty(h.Publisher.Sent); // the three are still outstanding: nothing new before an ack or their resend time
            Assert.Equal(CommandBook.DeviceWindow, Outstanding(h, "w-h1"));

            await h.AckAsync("w-h1", first[0]);
            Assert.Single(h.Publisher.Sent);
            foreach (var cid in first.Skip(1)) await h.AckAsync("w-h1", cid);
            await h.AckEverythingAsync("w-h1");
            var all = h.Runtime.Commands(10_000);
            Assert.Equal(12, all.Count);
            Assert.All(all, c => Assert.Equal(("acked", 1), (c.State, c.Attempts)));
        }
        finally { await h.DisposeAsync(); }
    }

    [Fact]
    public void ABlockedDevice_IsNotDueAgainBeforeAnAckOrItsResendTime() => WithBook((book, time) =>
    {
        foreach (var ch in Channels)
            book.Desire("w-1", $"w-1/{ch}/allowance", CommandCodec.Allowance("", 0, ch, 1000, 86_400, 0, 0, "standard"), false, "test", "");

        var due = book.Due();
        Assert.Equal(CommandBook.DeviceWindow, due.Count);
        foreach (var r in due) book.Attempted(r, handedToBroker: true);
        Assert.Empty(book.Due());
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        // The loop sleeps until the resend time (no busy loop on the three that wait for room).
        Assert.Equal(now + 30_000, book.NextDueMs());

        time.Advance(TimeSpan.FromSeconds(10));
        book.Acked("w-1", new Gateway.Domain.CommandAck(due[1].Cid, true, null, now));
        Assert.Equal(CommandBook.DeviceWindow - 1, book.Outstanding("w-1"));
        var next = Assert.Single(book.Due());
        Assert.Equal(due[^1].Sequence + 1, next.Sequence);
        book.Attempted(next, handedToBroker: true);
        Assert.Equal(CommandBook.DeviceWindow, book.Outstanding("w-1"));

        time.Advance(TimeSpan.FromSeconds(20)); // the two left from the first send are resent, the new one is not due yet
        var resent = book.Due();
        Assert.Equal([due[0].Cid, due[2].Cid], resent.Select(r => r.Cid));
    });

    [Fact]
    public void ASupersededCommand_KeepsItsSlot_UntilTheDeviceAnswersItsCid_OrItsResendTimePasses() => WithBook((book, time) =>
    {
        void Allowance(string ch, long limit) =>
            book.Desire("w-1", $"w-1/{ch}/allowance", CommandCodec.Allowance("", 0, ch, limit, 86_400, 0, 0, "standard"), false, "test", "");
        foreach (var ch in Channels.Take(CommandBook.DeviceWindow)) Allowance(ch, 1000);
        var first = book.Due();
        foreach (var r in first) book.Attempted(r, handedToBroker: true);

        // A newer allowance for c1 supersedes the one on its way: that copy still reaches the device's
        // inbox, so the newer one waits for room instead of overfilling the inbox.
        time.Advance(TimeSpan.FromSeconds(5));
        Allowance("c1", 2000);
        Assert.Empty(book.Due());
        Assert.Equal(CommandBook.DeviceWindow, book.Outstanding("w-1"));

        // The device answers the superseded cid: its slot is free, the newer one goes.
        book.Acked("w-1", new Gateway.Domain.CommandAck(first[0].Cid, true, null, 0));
        var newer = Assert.Single(book.Due());
        Assert.Equal("w-1/c1/allowance", newer.Key);
        book.Attempted(newer, handedToBroker: true);

        // Superseded again, never answered: the slot frees at the old copy's resend time, not before.
        time.Advance(TimeSpan.FromSeconds(1));
        Allowance("c1", 3000);
        Assert.Empty(book.Due());
        time.Advance(TimeSpan.FromSeconds(28));
        Assert.DoesNotContain(book.Due(), r => r.Key == "w-1/c1/allowance" && r.State == CommandState.Pending);
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Contains(book.Due(), r => r.Key == "w-1/c1/allowance" && r.State == CommandState.Pending);
    });

    /// <summary>A command book on its own state store (commons.db, or a fresh PostgreSQL database), a resend
    /// time of 30 s and a fake clock.</summary>
    private void WithBook(Action<CommandBook, FakeTimeProvider> test)
    {
        var dir = System.IO.Directory.CreateTempSubdirectory("command-book-");
        try
        {
            var time = new FakeTimeProvider(CommonsHarness.Start);
            var storage = new StorageOptions { Provider = _provider, ConnectionString = _provider == StorageProvider.Postgres ? TestPostgres.CreateDatabase() : null };
            using var db = CommonsHarness.OpenStore(storage, Path.Combine(dir.FullName, "commons.db"), CommonsHarness.Community);
            var book = new CommandBook(db, new CommonsOptions { AckTimeoutSeconds = 30 }, time, _ => { });
            book.Load();
            test(book, time);
        }
        finally { Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools(); dir.Delete(recursive: true); }
    }
}

/// <summary>Every case of <see cref="CommonsWindowTests"/> again with the ledger and the runtime's state on a real PostgreSQL.</summary>
public sealed class CommonsWindowPostgresTests() : CommonsWindowTests(StorageProvider.Postgres);
