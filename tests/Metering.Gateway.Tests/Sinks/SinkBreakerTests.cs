using Commons.Metering.Gateway.Sinks;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Sinks;

/// <summary>Breaker and retry toward a sink, on a fake clock: nothing here sleeps.</summary>
public sealed class SinkBreakerTests : IDisposable
{
    private readonly SinkOutboxDb _db = new();
    private readonly FakeTimeProvider _time = new();

    public void Dispose() => _db.Dispose();

    [Fact]
    public async Task Breaker_OpensAfterMinimumThroughputFailures_ThenStopsCallingTheDatabase_AndKeepsRows()
    {
        _db.AppendReadings(10);
        var writer = new FakeWriter { FailWith = new HttpRequestException("connection refused") };
        var drain = Sinks.Set(_db, Sinks.Options(), _time, writer).Drains.Single();

        Assert.Equal(DrainOutcome.Failed, await drain.DrainOnceAsync(default));
        Assert.Equal("closed", drain.Snapshot().BreakerState);
        Assert.Equal(DrainOutcome.Failed, await drain.DrainOnceAsync(default)); // 2 of 2 failed: opens
        Assert.Equal("open", drain.Snapshot().BreakerState);

        _time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.Equal(DrainOutcome.BreakerOpen, await drain.DrainOnceAsync(default));
        Assert.Equal(DrainOutcome.BreakerOpen, await drain.DrainOnceAsync(default));

        Assert.Equal(2, writer.Calls);
        Assert.Equal(10, _db.OutboxIds().Count);
        Assert.Equal((10L, 2L), (drain.Snapshot().OutboxDepth, drain.Snapshot().FailedTotal));
    }

    [Fact]
    public async Task Breaker_IdleCyclesDoNotDiluteTheFailureRatio()
    {
        var writer = new FakeWriter();
        var drain = Sinks.Set(_db, Sinks.Options(), _time, writer).Drains.Single();
        for (var i = 0; i < 10; i++) Assert.Equal(DrainOutcome.Idle, await drain.DrainOnceAsync(default));
        _db.AppendReadings(3);
        writer.FailWith = new HttpRequestException("connection refused");

        await drain.DrainOnceAsync(default);
        await drain.DrainOnceAsync(default);

        Assert.Equal(2, writer.Calls); // idle cycles never reached the writer
        Assert.Equal("open", drain.Snapshot().BreakerState);
    }

    [Fact]
    public async Task Breaker_AfterBreakDuration_ProbesOnce_AndClosesOnSuccess_DeliveringTheBacklog()
    {
        _db.AppendReadings(10);
        var writer = new FakeWriter { FailWith = new HttpRequestException("connection refused") };
        var drain = Sinks.Set(_db, Sinks.Options(), _time, writer).Drains.Single();
        await drain.DrainOnceAsync(default);
        await drain.DrainOnceAsync(default);
        _db.AppendReadings(5, from: 11); // ingest carries on while the sink is away

        writer.FailWith = null;
        _time.Advance(TimeSpan.FromMilliseconds(5000));
        Assert.Equal(DrainOutcome.Partial, await drain.DrainOnceAsync(default));

        Assert.Equal("closed", drain.Snapshot().BreakerState);
        Assert.Equal(3, writer.Calls);
        Assert.Equal(15, writer.Accepted.Count);
        Assert.Empty(_db.OutboxIds());
    }

    [Fact]
    public async Task Breaker_FailedProbe_ReopensForAFullBreakDuration()
    {
        _db.AppendReadings(3);
        var writer = new FakeWriter { FailWith = new HttpRequestException("connection refused") };
        var drain = Sinks.Set(_db, Sinks.Options(), _time, writer).Drains.Single();
        await drain.DrainOnceAsync(default);
        await drain.DrainOnceAsync(default);

        _time.Advance(TimeSpan.FromMilliseconds(5000));
        Assert.Equal(DrainOutcome.Failed, await drain.DrainOnceAsync(default)); // the probe
        Assert.Equal("open", drain.Snapshot().BreakerState);
        _time.Advance(TimeSpan.FromMilliseconds(4999));
        Assert.Equal(DrainOutcome.BreakerOpen, await drain.DrainOnceAsync(default));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        writer.FailWith = null;
        Assert.Equal(DrainOutcome.Partial, await drain.DrainOnceAsync(default));

        Assert.Equal(4, writer.Calls);
        Assert.Equal("closed", drain.Snapshot().BreakerState);
    }

    [Fact]
    public async Task Breaker_RefusedLinesDoNotCountAsDatabaseFailures()
    {
        _db.Append(["bad line a", "bad line b", "bad line c"]);
        var writer = new FakeWriter { RejectContaining = "bad line" };
        var drain = Sinks.Set(_db, Sinks.Options(), _time, writer).Drains.Single();

        await drain.DrainOnceAsync(default);

        Assert.Equal("closed", drain.Snapshot().BreakerState);
        Assert.Equal(3, _db.DeadLetters("fake").Count);
        Assert.Equal(0, drain.Snapshot().FailedTotal);
    }

    [Fact]
    public async Task Retry_WaitsOnTheInjectedClock_ThenDeliversWithinTheSameCycle()
    {
        _db.AppendReadings(4);
        var writer = new FakeWriter { FailWith = new HttpRequestException("connection reset") };
        var options = Sinks.Options(retries: 2);
        options.BreakerMinimumThroughput = 10; // keep the breaker out of this test
        var drain = Sinks.Set(_db, options, _time, writer).Drains.Single();

        var cycle = drain.DrainOnceAsync(default);
        Assert.False(cycle.IsCompleted); // waiting for the first backoff on the fake clock
        Assert.Equal(1, writer.Calls);

        writer.FailWith = null;
        _time.Advance(TimeSpan.FromMilliseconds(options.RetryMaxDelayMs)); // jittered delay is capped here
        // Safety net only: the cycle completes as soon as the fake clock fires.
        Assert.Equal(DrainOutcome.Partial, await cycle.WaitAsync(TimeSpan.FromSeconds(10)));

        Assert.Equal(2, writer.Calls);
        Assert.Equal(4, writer.Accepted.Count);
        Assert.Equal(1, drain.Snapshot().FailedTotal);
    }
}
