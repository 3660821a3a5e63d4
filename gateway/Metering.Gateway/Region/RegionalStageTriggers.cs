using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>Regional stages raised by gauges the members report (a river's level), beside the ones
/// the council declares. Like a community's trigger (Policy/StageMonitor.cs), a trigger becomes active
/// when its gauge crosses the threshold and clears only once the gauge is back past it by the
/// hysteresis; the triggered stage is the highest active one. Unlike a gauge inside one community, a
/// regional trigger overrides every member's allocation, so it has a sunset like a declared stage
/// (docs/design.md rule 4): an episode lasts at most Region:StageMaxHours from when it began, and a
/// trigger still active at its end is held off until it has cleared once; going on needs the council's
/// fresh quorum (a declared stage). Only a value newer than the one held moves anything, so a late or
/// resent report changes nothing. Every start, change, clearing and sunset is in the region's audit chain.</summary>
public sealed class RegionalStageTriggers(RegionOptions options, RegionLedger ledger, IAuditSink audit)
{
    /// <summary>Feeds one member's reported gauges at <paramref name="now"/>.</summary>
    public void Observe(string community, IReadOnlyList<RegionalGauge> gauges, DateTimeOffset now)
    {
        foreach (var g in gauges)
        {
            if (!ledger.NewerGauge(g, community)) continue;
            foreach (var r in options.BudgetedResources())
            {
                var triggers = options.Resources[r.Name()].Triggers;
                if (!triggers.Any(t => t.Gauge == g.Name)) continue;
                Sunset(r, triggers, now);
                for (var i = 0; i < triggers.Count; i++)
                {
                    var t = triggers[i];
                    if (t.Gauge != g.Name) continue;
                    var (active, latched) = ledger.TriggerState(r, i);
                    active = t.Below is { } below
                        ? (active ? g.Value < below + t.Hysteresis : g.Value < below)
                        : (active ? g.Value > t.Above!.Value - t.Hysteresis : g.Value > t.Above!.Value);
                    // Cleared once: a later crossing may start a new episode.
                    ledger.SetTriggerState(r, i, active, latched && active);
                }
                Settle(r, triggers, $"{g.Name}={g.Value} ({community})", now);
            }
        }
    }

    /// <summary>The triggered stage in force at <paramref name="now"/>, or null.</summary>
    public RegionalStage? StageAt(Resource r, DateTimeOffset now) =>
        ledger.Triggered(r) is { Stage: > 0 } s && now.ToUnixTimeMilliseconds() < s.UntilMs ? s : null;

    /// <summary>An episode whose time is up ends here: its active triggers are held off until they clear.</summary>
    private void Sunset(Resource r, List<RegionalTriggerOptions> triggers, DateTimeOffset now)
    {
        if (ledger.Triggered(r) is not { Stage: > 0 } s || now.ToUnixTimeMilliseconds() < s.UntilMs) return;
        for (var i = 0; i < triggers.Count; i++)
            if (ledger.TriggerState(r, i) is { Active: true }) ledger.SetTriggerState(r, i, true, true);
        ledger.SetTriggered(s with { Stage = 0 });
        audit.Append("region", AuditRoles.System, "region.stage.trigger_sunset", new
        {
            resource = r.Name(), stage = s.Stage, ended = DateTimeOffset.FromUnixTimeMilliseconds(s.UntilMs).ToString("O"),
            note = "held off until the gauge clears; the council may declare a stage",
        });
    }

    private void Settle(Resource r, List<RegionalTriggerOptions> triggers, string cause, DateTimeOffset now)
    {
        var wanted = 0;
        for (var i = 0; i < triggers.Count; i++)
            if (ledger.TriggerState(r, i) is { Active: true, Latched: false }) wanted = Math.Max(wanted, triggers[i].Stage);
        var episode = StageAt(r, now);
        if ((episode?.Stage ?? 0) == wanted) return;
        var nowMs = now.ToUnixTimeMilliseconds();
        if (wanted == 0)
        {
            ledger.SetTriggered(new RegionalStage(r, 0, nowMs, cause));
            audit.Append("region", AuditRoles.System, "region.stage.trigger_cleared", new { resource = r.Name(), from = episode!.Stage, cause });
            return;
        }
        // A new episode gets its full time; a change within one keeps the episode's end.
        var until = episode?.UntilMs ?? now.AddHours(options.StageMaxHours).ToUnixTimeMilliseconds();
        ledger.SetTriggered(new RegionalStage(r, wanted, until, cause));
        audit.Append("region", AuditRoles.System, "region.stage.triggered", new
        {
            resource = r.Name(), from = episode?.Stage ?? 0, to = wanted, until = DateTimeOffset.FromUnixTimeMilliseconds(until).ToString("O"), cause,
        });
    }
}
