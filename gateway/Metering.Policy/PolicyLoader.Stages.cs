using System.Collections.Immutable;

namespace Commons.Metering.Gateway.Policy;

public static partial class PolicyLoader
{
    private const int MaxStage = 3; // OpenADR 2.0 SIMPLE signal levels 0-3 (normal, moderate, high, special)

    private static ImmutableArray<ShortageStage> ReadStages(YamlMapReader r)
    {
        var stages = new List<ShortageStage>();
        foreach (var (node, path) in r.Seq("stages", required: false, nonEmpty: false))
        {
            var s = YamlMapReader.From(node, path, r.Errors);
            if (s is null) continue;
            var number = s.Int("stage", 1, MaxStage);
            var curtails = s.Get("curtails", required: true) is null ? [] : ReadClasses(s, "curtails", []);
            var trigger = s.Map("trigger", required: false) is { } t ? ReadTrigger(t) : null;
            s.RejectUnknownKeys();
            if (number is null) continue;
            var prev = stages.LastOrDefault();
            if (prev is not null && number <= prev.Stage)
                r.Errors.Add(s.At("stage"), s.Field("stage"), $"is {number} after stage {prev.Stage}: list stages once each, in rising order");
            else if (prev is not null && ShedOrder.IsOrdered(curtails) && !prev.Curtails.IsSubsetOf(curtails))
                r.Errors.Add(s.At("curtails"), s.Field("curtails"), $"must include everything stage {prev.Stage} curtails (stages only add curtailment)");
            else if (prev?.Trigger is { } pt && trigger is { } nt && SameSignal(pt, nt) && !Further(pt, nt))
                r.Errors.Add(s.Map("trigger", false)!.At(nt.Direction == TriggerDirection.Below ? "below" : "above"), s.Field("trigger.threshold"),
                    $"must be further {(nt.Direction == TriggerDirection.Below ? "below" : "above")} than stage {prev.Stage}'s {pt.Threshold}");
            stages.Add(r.Errors.Remember(new ShortageStage(number.Value, trigger, curtails), s));
        }
        return [.. stages];
    }

    private static StageTrigger? ReadTrigger(YamlMapReader t)
    {
        var meter = t.String("meter");
        var channel = t.String("channel");
        var below = t.Long("below", long.MinValue, long.MaxValue, required: false);
        var above = t.Long("above", long.MinValue, long.MaxValue, required: false);
        var hysteresis = t.Long("hysteresis", 0, MaxAmount, required: false) ?? PolicyDefaults.TriggerHysteresis;
        t.RejectUnknownKeys();
        if ((below is null) == (above is null))
        {
            t.Errors.Add(t.Start, t.Path, "needs exactly one of 'below' or 'above'");
            return null;
        }
        if (meter is null || channel is null) return null;
        return below is { } b
            ? new StageTrigger(meter, channel, TriggerDirection.Below, b, hysteresis)
            : new StageTrigger(meter, channel, TriggerDirection.Above, above!.Value, hysteresis);
    }

    private static bool SameSignal(StageTrigger a, StageTrigger b) =>
        a.Meter == b.Meter && a.Channel == b.Channel && a.Direction == b.Direction;

    private static bool Further(StageTrigger lower, StageTrigger higher) =>
        higher.Direction == TriggerDirection.Below ? higher.Threshold < lower.Threshold : higher.Threshold > lower.Threshold;
}

public static partial class PolicyLoader
{
    /// <summary>resources.X.stage_rules: dwell_minutes (default 0), stale_after_minutes (required),
    /// stale_stage (1-3; absent = hold the current stage while a trigger's gauge is silent).</summary>
    private static StageGaugeRules? ReadStageRules(YamlMapReader r)
    {
        var dwell = r.Int("dwell_minutes", 0, PolicyDefaults.MaxStageRuleMinutes, required: false) ?? 0;
        var stale = r.Int("stale_after_minutes", 1, PolicyDefaults.MaxStageRuleMinutes);
        var stage = r.Int("stale_stage", 1, MaxStage, required: false);
        r.RejectUnknownKeys();
        return stale is null ? null : new StageGaugeRules(dwell, stale.Value, stage);
    }
}
