using Commons.Metering.Gateway.Ledger;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>The real SQLite store, whose transactions can be held at Begin or made to fail.</summary>
internal sealed class GatedStore(IStateStore inner) : IStateStore
{
    public SemaphoreSlim Gate { get; } = new(0);
    public SemaphoreSlim Entered { get; } = new(0);
    public volatile bool Open_ = true;
    public volatile bool Fail;

    /// <summary>Unique to this store, so a test can tell its own failures from those of tests running beside it.</summary>
    public string FailureText { get; } = $"disk full (simulated, store {Guid.NewGuid():N})";

    public void Open() => inner.Open();

    public ILedgerTransaction Begin()
    {
        if (Fail) throw new IOException(FailureText);
        if (!Open_)
        {
            Entered.Release();
            Gate.Wait(TimeSpan.FromSeconds(30));
        }
        return inner.Begin();
    }

    public IReadOnlyList<MeterInfo> LoadMeters() => inner.LoadMeters();
    public IReadOnlyList<MeterView> ListMeters() => inner.ListMeters();
    public IReadOnlyList<ChannelUsage> Usage(string meter, long fromHourMs, long toMs) => inner.Usage(meter, fromHourMs, toMs);
    public IReadOnlyList<HourUsage> HourlyUsage(string meter, long fromHourMs, long toMs) => inner.HourlyUsage(meter, fromHourMs, toMs);
    public IReadOnlyList<ReadingRow> Readings(string meter, long fromMs, long toMs) => inner.Readings(meter, fromMs, toMs);
    public long OutboxDepth() => inner.OutboxDepth();

    public IReadOnlyList<HeldReadingView> HeldReadings() => inner.HeldReadings();

    public long? SequenceHighWater(string meter) => inner.SequenceHighWater(meter);
    public void Dispose() => inner.Dispose();
}
