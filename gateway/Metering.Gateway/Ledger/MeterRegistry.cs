using System.Collections.Concurrent;

namespace Commons.Metering.Gateway.Ledger;

/// <summary>The registry of known meters (meters table), cached in memory for the ingest hot path.
/// The ledger writer loads it at start and adds a meter only after the registration committed.</summary>
public sealed class MeterRegistry
{
    private readonly ConcurrentDictionary<string, MeterInfo> _meters = new(StringComparer.Ordinal);

    public int Count => _meters.Count;

    public bool TryGet(string meterId, out MeterInfo meter) => _meters.TryGetValue(meterId, out meter!);

    internal void Load(IEnumerable<MeterInfo> meters)
    {
        foreach (var m in meters) _meters[m.Id] = m;
    }

    internal void Committed(MeterInfo meter) => _meters.TryAdd(meter.Id, meter);
}
