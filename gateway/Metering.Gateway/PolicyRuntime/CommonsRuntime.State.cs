using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>Building the runtime from the policy in force, and what survives a restart.</summary>
public sealed partial class CommonsRuntime
{
    private Dictionary<Resource, ResourceRuntime> _resources = [];
    private Dictionary<string, ChannelRuntime> _channels = new(StringComparer.Ordinal);
    private Dictionary<string, List<ChannelRuntime>> _byMeter = new(StringComparer.Ordinal);
    private Dictionary<string, SharedMeter> _shared = new(StringComparer.Ordinal);
    private Dictionary<(string Household, Resource Resource), long> _used = [];
    private readonly Dictionary<string, bool> _online = new(StringComparer.Ordinal);
    private readonly CurtailedTime _curtailed = new();

    /// <summary>A council-approved policy activated before a restart stays in force (not the file's).</summary>
    private void RestorePolicy()
    {
        if (!_acts.RestoreActivatedPolicy())
            _logger.LogWarning("The activated policy in {State} is no longer valid; the file's policy stays in force", _statePath);
    }

    /// <summary>(Re)builds every per-resource, per-channel and per-zone structure from the policy in
    /// force; breakers of channels that still exist are kept, usage is reloaded from the ledger.</summary>
    private void Build()
    {
        var p = _store.Current;
        var now = _time.GetUtcNow();
        // Breakers of zones and resources that still exist are kept across a policy change, like the channels'.
        var oldBreakers = _breakers.SharedBreakers();
        CircuitBreaker NewBreaker(string id, BreakerScope scope) =>
            oldBreakers.TryGetValue(id, out var b) ? b : new CircuitBreaker(id, scope, BreakerOptions.Default, _time, _audit);
        _resources = p.Resources.ToDictionary(r => r.Key, r =>
            new ResourceRuntime(r.Value, new StageMonitor(r.Value, _audit), AllowanceCalculator.Compute(_regional.Under(p), r.Key),
                r.Value.Breaker is null ? null : NewBreaker(BreakerBoard.ResourceBreakerId(r.Key), BreakerScope.Resource)));
        var channels = new Dictionary<string, ChannelRuntime>(StringComparer.Ordinal);
        foreach (var h in p.Households)
            foreach (var m in h.Meters)
                foreach (var c in m.Channels)
                {
                    var key = m.Id + "/" + c.Id;
                    var limits = p.Resources.TryGetValue(m.Resource, out var rp) ? rp.Safety : new SafetyLimits(null, null);
                    var safety = _channels.TryGetValue(key, out var old) && old.Safety is { } s ? s
                        : new ChannelSafety(key, limits, BreakerOptions.Default, _time, _audit);
                    channels[key] = new ChannelRuntime(h, m, c, safety) { LastRegister = old?.LastRegister, LastTsMs = old?.LastTsMs ?? 0 };
                }
        _channels = channels;
        _byMeter = channels.Values.GroupBy(c => c.Meter.Id).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        _shared = p.SharedMeters.ToDictionary(m => m.Id, StringComparer.Ordinal);
        _breakers.Rebuild(_resources, _channels, p.Zones, NewBreaker, oldBreakers, now);
        _acts.Rebuild();
        foreach (var r in _resources.Values) SetPeriod(r, now);
        LoadUsage();
        SeedRegisters();
    }

    private void SetPeriod(ResourceRuntime r, DateTimeOffset now)
    {
        r.PeriodStart = PolicyPeriods.StartOf(r.Policy.Period, now, _store.Current.UtcOffset);
        r.PeriodEnd = PolicyPeriods.EndOf(r.Policy.Period, now, _store.Current.UtcOffset);
    }

    /// <summary>Use so far in the current period, from the ledger's hour buckets (Http/PolicyApi's sum).</summary>
    private void LoadUsage(Resource? only = null)
    {
        foreach (var h in _store.Current.Households)
            foreach (var (resource, r) in _resources)
                if (only is null || only == resource)
                    _used[(h.Id, resource)] = HouseholdUsage.UsedInPeriod(h, resource, _ledger, r.PeriodStart, r.PeriodEnd);
    }

    /// <summary>The last committed register of each channel, so the first reading after a restart counts from it.</summary>
    private void SeedRegisters()
    {
        foreach (var m in _ledger.ListMeters())
        {
            if (m.Status is { } status) _online[m.Meter.Id] = status.State == "online";
            foreach (var c in m.Channels)
                if (_channels.TryGetValue(m.Meter.Id + "/" + c.Name, out var cr) && cr.LastRegister is null) cr.LastRegister = c.Register;
        }
    }

    /// <summary>Breakers, stages, the emergency and pending proposals as they were before a restart.</summary>
    private void Restore()
    {
        _breakers.Restore();
        RestoreStages();
        _acts.Restore();
    }

    private void RestoreStages()
    {
        foreach (var (resource, r) in _resources)
        {
            if (_db.Get("stage:" + resource.Name()) is not { } saved) continue;
            var parts = saved.Split('|', 3);
            r.Stages.Restore(int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
            r.StageReason = parts.Length > 2 ? parts[2] : "restored";
        }
    }

    private void SaveStage(Resource resource, ResourceRuntime r) =>
        _db.Set("stage:" + resource.Name(), $"{r.Stages.Triggered}|{r.Stages.Declared}|{r.StageReason}");
}
