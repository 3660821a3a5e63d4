using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Sinks;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commons.Metering.Gateway.Tests.Sinks;

/// <summary>A caught-up sink writes what the ledger commits when the ledger says so (after LingerMs),
/// not at its next poll (FlushIntervalMs). The fake clock never reaches the poll here, so a row
/// only reaches the writer through the signal.</summary>
public sealed class SinkOutboxSignalTests : IDisposable
{
    private static readonly MeterInfo Meter = new("m1", "c1", Resource.Water);
    private static readonly ReadingWrite AReading = new(Meter, new Reading(1, 0, [], null), 0);

    private readonly SinkOutboxDb _db = new();
    private readonly TimerWatchingClock _time = new();

    public void Dispose() => _db.Dispose();

    /// <summary>The service after its first cycle (which writes one reading) is done, so that what
    /// the test appends next can only arrive through the signal.</summary>
    private async Task<(SinkDrainService Service, FakeWriter Writer, SinkOutboxSignal Signal)> StartedService(int lingerMs)
    {
        var options = Sinks.Options();
        options.FlushIntervalMs = 3_600_000;
        options.LingerMs = lingerMs;
        var writer = new FakeWriter();
        var signal = new SinkOutboxSignal();
        var service = new SinkDrainService(Sinks.Set(_db, options, _time, writer), signal, _time, NullLogger<SinkDrainService>.Instance);
        _db.AppendReadings(1);
        await service.StartAsync(CancellationToken.None);
        Assert.True(await Sinks.Eventually(() => writer.Accepted.Count == 1), "first cycle");
        return (service, writer, signal);
    }

    [Fact]
    public async Task CommittedReadings_WakeACaughtUpSink_WithoutWaitingForItsPoll()
    {
        var (service, writer, signal) = await StartedService(lingerMs: 0);

        var lines = _db.AppendReadings(3, from: 2);
        signal.Committed(AReading, LedgerOutcome.Committed);

        Assert.True(await Sinks.Eventually(() => writer.Accepted.Count == 4), $"written: {writer.Accepted.Count}");
        Assert.Equal(lines, writer.Accepted.Skip(1));
        var more = _db.AppendReadings(2, from: 5);
        signal.Committed(AReading, LedgerOutcome.Committed);
        Assert.True(await Sinks.Eventually(() => writer.Accepted.Count == 6), $"written: {writer.Accepted.Count}");
        Assert.Equal(more, writer.Accepted.Skip(4));
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task AfterTheSignal_TheSinkLingers_SoThatABatchGathers()
    {
        var (service, writer, signal) = await StartedService(lingerMs: 100);
        _db.AppendReadings(3, from: 2);
        signal.Committed(AReading, LedgerOutcome.Committed);
        await _time.TimersCreated(TimeSpan.FromMilliseconds(100)); // the linger began
        Assert.Equal(1, writer.Calls); // waiting on the (fake) clock for 100 ms

        _db.AppendReadings(2, from: 5); // committed while it lingers: in the same batch
        _time.Advance(TimeSpan.FromMilliseconds(100));

        Assert.True(await Sinks.Eventually(() => writer.Accepted.Count == 6), $"written: {writer.Accepted.Count}");
        Assert.Equal(2, writer.Batches.Count);
        Assert.Equal(5, writer.Batches[1].Count);
        await service.StopAsync(CancellationToken.None);
    }

    [Fact]
    public async Task OnlyCommittedReadings_MoveTheSignal()
    {
        var signal = new SinkOutboxSignal();
        var seen = signal.Version;
        signal.Committed(AReading, LedgerOutcome.Duplicate);
        signal.Committed(new StatusWrite(Meter, new DeviceStatus("online", null, null, null, null, null), 0), LedgerOutcome.Committed);
        Assert.Equal(seen, signal.Version);

        var waiting = signal.WaitAsync(seen, TimeSpan.FromSeconds(5), _time, CancellationToken.None);
        Assert.False(waiting.IsCompleted);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(await waiting); // timed out: nothing was committed

        waiting = signal.WaitAsync(signal.Version, TimeSpan.FromSeconds(5), _time, CancellationToken.None);
        signal.Committed(AReading, LedgerOutcome.Committed);
        Assert.True(await waiting);
        Assert.True(await signal.WaitAsync(seen, TimeSpan.FromSeconds(5), _time, CancellationToken.None)); // moved since `seen`: at once
    }
}
