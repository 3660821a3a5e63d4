using System.Collections.Concurrent;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The newest plausible value of each committed gauge since the start, by meter and gauge name,
/// for those the community reports to its region (Region/UpstreamSnapshot.cs). Written by the runtime's
/// loop, read by the upstream reporter without the runtime's lock, hence concurrent.</summary>
internal sealed class LatestGauges : ILatestGauges
{
    private readonly ConcurrentDictionary<(string Meter, string Gauge), (long Value, long TsMs)> _latest = new();

    /// <summary>Keeps every possible value of <paramref name="gauge"/>; an impossible one (GaugeLimits) is not a value.</summary>
    public void Keep(string meter, GaugeUplink gauge)
    {
        foreach (var g in gauge.Gauges)
            if (GaugeLimits.IsPossible(g)) _latest[(meter, g.Name)] = (g.Last, gauge.TsMs);
    }

    public bool TryLatest(string meter, string gauge, out long value, out long tsMs)
    {
        var found = _latest.TryGetValue((meter, gauge), out var v);
        (value, tsMs) = v;
        return found;
    }
}

/// <summary>The newest plausible value of each committed gauge since the start, by meter and gauge name.</summary>
public interface ILatestGauges
{
    bool TryLatest(string meter, string gauge, out long value, out long tsMs);
}
