using Commons.Metering.Gateway.Sinks;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Sinks;

public sealed class SinkDrainTests : IDisposable
{
    private readonly SinkOutboxDb _db = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task DrainOnce_DeliversAtMostBatchSizeRowsInOutboxOrder_AndMovesTheCursor()
    {
        var lines = _db.AppendReadings(250);
        var writer = new FakeWriter();
        var drain = Sinks.Set(_db, Sinks.Options(batchSize: 100), _time, writer).Drains.Single();

        Assert.Equal(DrainOutcome.Full, await drain.DrainOnceAsync(default));
        Assert.Equal(DrainOutcome.Full, await drain.DrainOnceAsync(default));
        Assert.Equal(DrainOutcome.Partial, await drain.DrainOnceAsync(default));
        Assert.Equal(DrainOutcome.Idle, await drain.DrainOnceAsync(default));

        Assert.Equal(new[] { 100, 100, 50 }, writer.Batches.Select(b => b.Count));
        Assert.Equal(lines, writer.Accepted);
        Assert.Equal(250, _db.Cursor("fake"));
        Assert.Equal(250, drain.Snapshot().WrittenTotal);
        Assert.Equal(0, drain.Snapshot().OutboxDepth);
    }

    [Fact]
    public async Task RowsReadAhead_AreDroppedWhenTheWriteFails_AndEveryRowIsSentOnceInOrder()
    {
        var lines = _db.AppendReadings(250).ToList();
        var writer = new FakeWriter();
        var drain = Sinks.Set(_db, Sinks.Options(batchSize: 100), _time, writer).Drains.Single();

        Assert.Equal(DrainOutcome.Full, await drain.DrainOnceAsync(default)); // 1-100 sent, 101-200 read ahead
        lines.AddRange(_db.AppendReadings(30, from: 251));                     // arrive while reading ahead
        writer.FailWith = new HttpRequestException("connection refused");
        Assert.Equal(DrainOutcome.Failed, await drain.DrainOnceAsync(default));
        writer.FailWith = null;
        _time.Advance(TimeSpan.FromMilliseconds(5000)); // the breaker opened on 1 failure in 2 writes; half-open now
        for (var cycles = 0; cycles < 10 && await drain.DrainOnceAsync(default) != DrainOutcome.Idle; cycles++) { }

        Assert.Equal(lines, writer.Accepted);
        Assert.Equal(280, _db.Cursor("fake"));
        Assert.Empty(_db.OutboxIds());
    }

    [Fact]
    public async Task ACursorThatFailedToBeStoredBehindABacklog_SendsItsRowsAgain_NothingIsSkipped()
    {
        var lines = _db.AppendReadings(250);
        var writer = new FakeWriter();
        var drain = Sinks.Set(_db, Sinks.Options(batchSize: 100), _time, writer).Drains.Single();
        Assert.Equal(DrainOutcome.Full, await drain.DrainOnceAsync(default));
        await drain.PersistedAsync();                                    // cursor 100 stored

        _db.Execute("ALTER TABLE sink_cursor RENAME TO sink_cursor_away"); // storing the next cursor fails
        Assert.Equal(DrainOutcome.Full, await drain.DrainOnceAsync(default)); // 101-200 sent, stored beside the next cycle
        Assert.Equal(DrainOutcome.Failed, await drain.DrainOnceAsync(default)); // 201-250 sent; the failure found
        _db.Execute("ALTER TABLE sink_cursor_away RENAME TO sink_cursor");
        for (var cycles = 0; cycles < 10 && await drain.DrainOnceAsync(default) != DrainOutcome.Idle; cycles++) { }

        // Sent again from the stored cursor (InfluxDB keeps one point per series and time): nothing skipped.
        Assert.Equal(lines, writer.Accepted.Distinct());
        Assert.Equal(lines.Skip(100), writer.Accepted.Skip(250));
        Assert.Equal(250, _db.Cursor("fake"));
        Assert.Empty(_db.OutboxIds());
    }

    [Fact]
    public async Task DrainOnce_PrunesDeliveredRows_ButNeverUndeliveredOnes()
    {
        _db.AppendReadings(150);
        var drain = Sinks.Set(_db, Sinks.Options(batchSize: 100), _time, new FakeWriter()).Drains.Single();

        Assert.Equal(DrainOutcome.Full, await drain.DrainOnceAsync(default));
        await drain.PersistedAsync(); // behind a backlog the prune runs beside the next cycle

        Assert.Equal(Enumerable.Range(101, 50).Select(i => (long)i), _db.OutboxIds());
        Assert.Equal(50, drain.Snapshot().OutboxDepth);
    }

    [Fact]
    public async Task Prune_KeepsRowsUntilEveryConfiguredSinkHasDeliveredThem()
    {
        _db.AppendReadings(30);
        var fast = new FakeWriter("fast");
        var slow = new FakeWriter("slow") { FailWith = new HttpRequestException("connection refused") };
        var set = Sinks.Set(_db, Sinks.Options(batchSize: 10), _time, fast, slow);

        foreach (var _ in Enumerable.Range(0, 3)) await set.Drains[0].DrainOnceAsync(default);
        await set.Drains[0].PersistedAsync(); // full batches: stored beside the next cycle
        Assert.Equal(30, _db.Cursor("fast"));
        Assert.Equal(30, _db.OutboxIds().Count); // slow has nothing yet

        slow.FailWith = null;
        await set.Drains[1].DrainOnceAsync(default);
        await set.Drains[1].PersistedAsync();
        Assert.Equal(Enumerable.Range(11, 20).Select(i => (long)i), _db.OutboxIds());
    }

    [Fact]
    public async Task DrainOnce_WhenTheWriteFails_KeepsCursorAndRows_AndReportsTheError()
    {
        _db.AppendReadings(5);
        var writer = new FakeWriter { FailWith = new HttpRequestException("connection refused") };
        var drain = Sinks.Set(_db, Sinks.Options(), _time, writer).Drains.Single();

        Assert.Equal(DrainOutcome.Failed, await drain.DrainOnceAsync(default));

        Assert.Null(_db.Cursor("fake"));
        Assert.Equal(5, _db.OutboxIds().Count);
        var s = drain.Snapshot();
        Assert.Equal((5L, 1L, 0L, "connection refused"), (s.OutboxDepth, s.FailedTotal, s.WrittenTotal, s.LastError));
    }

    [Fact]
    public async Task DrainOnce_RefusedLines_GoToDeadLetter_AndTheRestIsDelivered()
    {
        var good = _db.AppendReadings(40);
        _db.Append(["reading,community=c1 bad line 1", "reading,community=c1 bad line 2"]);
        var after = _db.AppendReadings(57, from: 41);
        var writer = new FakeWriter { RejectContaining = "bad line" };
        var drain = Sinks.Set(_db, Sinks.Options(batchSize: 1000), _time, writer).Drains.Single();

        Assert.Equal(DrainOutcome.Partial, await drain.DrainOnceAsync(default));

        Assert.Equal(good.Concat(after).Order(), writer.Accepted.Distinct().Order());
        var dead = _db.DeadLetters("fake");
        Assert.Equal(new long[] { 41, 42 }, dead.Select(d => d.Id));
        Assert.All(dead, d => Assert.Contains("partial write", d.Error));
        Assert.Equal(99, _db.Cursor("fake"));
        Assert.Empty(_db.OutboxIds());
        var s = drain.Snapshot();
        Assert.Equal((97L, 2L, 0L), (s.WrittenTotal, s.DeadLetteredTotal, s.FailedTotal));
    }

    [Fact]
    public async Task Cursor_IsDurable_ANewDrainOnTheSameFileDoesNotResend()
    {
        _db.AppendReadings(20);
        await Sinks.Set(_db, Sinks.Options(), _time, new FakeWriter()).Drains.Single().DrainOnceAsync(default);
        var more = _db.AppendReadings(3, from: 21);

        var writer = new FakeWriter();
        await Sinks.Set(_db, Sinks.Options(), _time, writer).Drains.Single().DrainOnceAsync(default);

        Assert.Equal(more, writer.Accepted);
    }

    [Fact]
    public async Task Snapshot_DepthCountsRowsAddedAfterTheCursor()
    {
        _db.AppendReadings(10);
        var writer = new FakeWriter();
        var drain = Sinks.Set(_db, Sinks.Options(), _time, writer).Drains.Single();
        await drain.DrainOnceAsync(default);
        _db.AppendReadings(7, from: 11);
        writer.FailWith = new TimeoutException("timed out");

        await drain.DrainOnceAsync(default);

        Assert.Equal(7, drain.Snapshot().OutboxDepth);
    }
}
