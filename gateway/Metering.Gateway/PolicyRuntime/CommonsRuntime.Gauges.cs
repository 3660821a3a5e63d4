using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>Gauges of shared meters -> stage triggers (Policy/StageMonitor.Gauges.cs): each committed
/// gauge summary's last value, and the clock for the stale rule and the dwell time.</summary>
public sealed partial class CommonsRuntime : ILatestGauges
{
    private readonly LatestGauges _latestGauges = new();

    public bool TryLatest(string meter, string gauge, out long value, out long tsMs) => _latestGauges.TryLatest(meter, gauge, out value, out tsMs);

    private void OnGauge(GaugeWrite w, long cause)
    {
        // Every plausible gauge's last value, for those the community reports to its region (Region/UpstreamSnapshot.cs).
        _latestGauges.Keep(w.Meter, w.Gauge);
        if (!_shared.TryGetValue(w.Meter, out var shared) || !_resources.TryGetValue(shared.Resource, out var rr)) return;
        var nowMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        foreach (var g in w.Gauge.Gauges)
        {
            var before = rr.Stages.Current;
            if (rr.Stages.ObserveGauge(w.Meter, g.Name, g.Last, GaugeLimits.IsPossible(g), nowMs) != before)
            {
                rr.StageReason = $"{w.Meter}/{g.Name} = {g.Last}";
                StageChanged(shared.Resource, rr, cause);
            }
        }
    }

    private void TickGauges(DateTimeOffset now)
    {
        foreach (var (resource, rr) in _resources)
        {
            var before = rr.Stages.Current;
            if (rr.Stages.CheckGauges(now.ToUnixTimeMilliseconds()) == before) continue;
            rr.StageReason = rr.Stages.StaleGauges.Count > 0 ? "stale gauge: " + string.Join(", ", rr.Stages.StaleGauges) : "dwell elapsed";
            StageChanged(resource, rr, null);
        }
    }
}
