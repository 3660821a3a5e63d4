namespace Commons.Metering.Gateway.Policy;

/// <summary>Stage triggers on gauges (docs/protocol.md, gauge; resources.X.stage_rules): the same
/// thresholds and hysteresis as <see cref="Observe"/>, plus a minimum dwell in a stage, a stale
/// rule for a silent gauge, and values flagged impossible ignored. A dead level sensor must never
/// quietly lift a drought: while a trigger's gauge is stale the stage does not drop below where it
/// was (or below the policy's stale_stage). Every change, every stale and every resumed gauge is
/// audited.</summary>
public sealed partial class StageMonitor
{
    private readonly Dictionary<(string Meter, string Gauge), long> _lastHeardMs = [];
    private readonly HashSet<(string Meter, string Gauge)> _stale = [];
    private long _enteredMs;
    private int _staleHold;

    /// <summary>The stage held while any trigger's gauge is stale (0 when none is).</summary>
    public int StaleFloor => _stale.Count == 0 ? 0 : _staleHold;

    /// <summary>The trigger gauges that are stale now, as "meter/gauge".</summary>
    public IReadOnlyList<string> StaleGauges => _stale.Select(s => $"{s.Meter}/{s.Gauge}").Order(StringComparer.Ordinal).ToList();

    /// <summary>One gauge summary at <paramref name="nowMs"/> (the gateway's clock); an implausible one
    /// (flagged gauge_impossible) is audited and ignored: it neither moves a trigger nor counts as
    /// heard. Returns the stage after it.</summary>
    public int ObserveGauge(string meter, string gauge, long value, bool plausible, long nowMs)
    {
        if (!IsTriggerSignal(meter, gauge)) return Current;
        if (!plausible)
        {
            Audit("gauge.ignored", new { meter, gauge, value, why = "gauge_impossible" });
            return Current;
        }
        _lastHeardMs[(meter, gauge)] = nowMs;
        if (_stale.Remove((meter, gauge))) Audit("gauge.resumed", new { meter, gauge, value });
        for (var i = 0; i < _policy.Stages.Length; i++)
        {
            if (_policy.Stages[i].Trigger is not { } t || t.Meter != meter || t.Channel != gauge) continue;
            _active[i] = t.Direction == TriggerDirection.Below
                ? (_active[i] ? value < t.Threshold + t.Hysteresis : value < t.Threshold)
                : (_active[i] ? value > t.Threshold - t.Hysteresis : value > t.Threshold);
        }
        return Settle(nowMs, $"{meter}/{gauge}={value}");
    }

    /// <summary>The clock: marks trigger gauges heard before and silent since for stale_after_minutes
    /// as stale (audited once),
    /// and applies a change that waited for its dwell. Returns the stage after it.</summary>
    public int CheckGauges(long nowMs)
    {
        if (_policy.GaugeRules is not { } rules) return Current;
        var staleMs = rules.StaleAfterMinutes * 60_000L;
        foreach (var s in _policy.Stages)
        {
            if (s.Trigger is not { } t) continue;
            var key = (t.Meter, t.Channel);
            // Watched from its first summary since the start: a gauge never heard moves nothing, so the
            // stage restored at start holds by itself.
            if (!_lastHeardMs.TryGetValue(key, out var last) || nowMs - last < staleMs || _stale.Contains(key)) continue;
            if (_stale.Count == 0) _staleHold = rules.StaleStage is { } named ? Math.Max(named, 0) : Current;
            _stale.Add(key);
            Audit("gauge.stale", new
            {
                meter = t.Meter, gauge = t.Channel, silentMinutes = (nowMs - last) / 60_000,
                rule = rules.StaleStage is { } st ? $"stage {st}" : $"hold stage {Current}",
            });
        }
        return Settle(nowMs, _stale.Count > 0 ? "stale: " + string.Join(", ", StaleGauges) : "dwell elapsed");
    }

    /// <summary>Applies the stage the triggers call for unless the current one has not yet been held
    /// for the dwell time (then the change waits for a later observation or <see cref="CheckGauges"/>).</summary>
    private int Settle(long nowMs, string cause)
    {
        var next = Math.Max(Math.Max(Triggered, _declared), StaleFloor);
        if (next == Current) return Current;
        var dwellMs = (_policy.GaugeRules?.DwellMinutes ?? 0) * 60_000L;
        if (nowMs - _enteredMs < dwellMs && _enteredMs != 0) return Current;
        var before = Current;
        Update(cause);
        if (Current != before) _enteredMs = nowMs;
        return Current;
    }

    private bool IsTriggerSignal(string meter, string gauge)
    {
        foreach (var s in _policy.Stages)
            if (s.Trigger is { } t && t.Meter == meter && t.Channel == gauge) return true;
        return false;
    }

    private void Audit(string kind, object payload) =>
        _audit?.Append("stage-monitor", AuditRoles.System, kind,
            new { resource = _policy.Resource.ToString().ToLowerInvariant(), detail = payload });
}
