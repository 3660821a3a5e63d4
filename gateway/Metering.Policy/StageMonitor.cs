namespace Commons.Metering.Gateway.Policy;

/// <summary>The shortage stage of one resource from its triggers, with hysteresis: a stage's trigger
/// becomes active when its signal crosses the threshold and inactive only once the signal is back past
/// threshold +/- hysteresis. The stage is the highest active one, or a declared minimum (an emergency
/// or a council decision) when that is higher. Every change is audited.</summary>
public sealed partial class StageMonitor
{
    private readonly ResourcePolicy _policy;
    private readonly IAuditSink? _audit;
    private readonly bool[] _active;
    private int _declared;

    public StageMonitor(ResourcePolicy policy, IAuditSink? audit = null)
    {
        _policy = policy;
        _audit = audit;
        _active = new bool[policy.Stages.Length];
    }

    public int Current { get; private set; }

    /// <summary>Feeds one measured value; returns the stage after it.</summary>
    public int Observe(string meter, string channel, long value)
    {
        for (var i = 0; i < _policy.Stages.Length; i++)
        {
            if (_policy.Stages[i].Trigger is not { } t || t.Meter != meter || t.Channel != channel) continue;
            _active[i] = t.Direction == TriggerDirection.Below
                ? (_active[i] ? value < t.Threshold + t.Hysteresis : value < t.Threshold)
                : (_active[i] ? value > t.Threshold - t.Hysteresis : value > t.Threshold);
        }
        return Update($"{meter}/{channel}={value}");
    }

    /// <summary>After a restart: the triggered and declared stages persisted, without auditing a change. The
    /// triggers of every stage up to <paramref name="triggered"/> count as active (stages are nested: below a
    /// lower threshold means below the higher ones); the next reading of each signal corrects them.</summary>
    public void Restore(int triggered, int declared)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(triggered);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(triggered, 3);
        for (var i = 0; i < _active.Length; i++) _active[i] = _policy.Stages[i].Trigger is not null && _policy.Stages[i].Stage <= triggered;
        _declared = Math.Clamp(declared, 0, 3);
        Current = Math.Max(triggered, _declared);
    }

    /// <summary>The stage the triggers alone call for (without a declared minimum).</summary>
    public int Triggered
    {
        get
        {
            var t = 0;
            for (var i = 0; i < _active.Length; i++)
                if (_active[i]) t = Math.Max(t, _policy.Stages[i].Stage);
            return t;
        }
    }

    /// <summary>The minimum stage declared (emergency), 0 when none.</summary>
    public int Declared => _declared;

    /// <summary>A minimum stage held regardless of triggers (0 to release).</summary>
    public int Declare(int stage, string why)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(stage);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(stage, 3);
        _declared = stage;
        return Update(why);
    }

    private int Update(string cause)
    {
        var triggered = 0;
        for (var i = 0; i < _active.Length; i++)
            if (_active[i]) triggered = Math.Max(triggered, _policy.Stages[i].Stage);
        var next = Math.Max(Math.Max(triggered, _declared), StaleFloor);
        if (next != Current)
        {
            _audit?.Append("stage-monitor", AuditRoles.System, "stage.changed",
                new { resource = _policy.Resource.ToString().ToLowerInvariant(), from = Current, to = next, cause });
            Current = next;
        }
        return Current;
    }
}
