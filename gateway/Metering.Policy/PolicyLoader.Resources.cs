using System.Collections.Immutable;
using System.Globalization;
using Commons.Metering.Gateway.Domain;
using YamlDotNet.RepresentationModel;

namespace Commons.Metering.Gateway.Policy;

public static partial class PolicyLoader
{
    // Amounts up to 10^15 base units per period (10^12 L of water, 1 TWh): far above any community,
    // far below long overflow when multiplied by persons.
    private const long MaxAmount = 1_000_000_000_000_000;

    private static readonly Dictionary<string, PolicyPeriod> PeriodNames = new()
    {
        ["day"] = PolicyPeriod.Day, ["week"] = PolicyPeriod.Week, ["month"] = PolicyPeriod.Month,
        ["season"] = PolicyPeriod.Season, ["year"] = PolicyPeriod.Year,
    };
    private static readonly Dictionary<string, SharingRule> SharingNames =
        new() { ["per_household"] = SharingRule.PerHousehold, ["per_person"] = SharingRule.PerPerson };

    private static Dictionary<Resource, ResourcePolicy> ReadResources(YamlMapReader? r)
    {
        var result = new Dictionary<Resource, ResourcePolicy>();
        if (r is null) return result;
        foreach (var (name, resource) in ResourceNames)
            if (r.Map(name, required: false) is { } section && ReadResource(section, resource) is { } p)
                result[resource] = r.Errors.Remember(p, section);
        r.RejectUnknownKeys();
        return result;
    }

    private static ResourcePolicy? ReadResource(YamlMapReader r, Resource resource)
    {
        var period = r.Enum("period", PeriodNames);
        var cap = r.Long("cap", 0, MaxAmount);
        var floor = r.Long("floor_per_person", 0, MaxAmount);
        var sharing = r.Enum("sharing", SharingNames);
        var ceiling = r.Long("ceiling", 0, MaxAmount, required: false);
        var friendly = r.Seq("friendly_hours", required: false, nonEmpty: false)
            .Select(w => ReadWindow(w.Node, w.Path, r.Errors)).OfType<TimeWindow>().ToImmutableArray();
        var quota = ReadClasses(r, "quota_curtails", PolicyDefaults.QuotaCurtails);
        var sanctions = r.Map("sanctions", required: false) is { } s ? ReadSanctions(s) : DefaultSanctions;
        var safety = r.Map("safety", required: false) is { } sf ? ReadSafety(sf) : new SafetyLimits(null, null);
        var stages = ReadStages(r);
        var breaker = r.Map("breaker", required: false) is { } b ? ReadResourceBreaker(b) : null;
        var gaugeRules = r.Map("stage_rules", required: false) is { } sr ? ReadStageRules(sr) : null;
        r.RejectUnknownKeys();
        // Fallbacks keep cross-section checks from reporting a missing section as a second error;
        // the errors already recorded make the load fail.
        return new ResourcePolicy(resource, period ?? PolicyPeriod.Day, cap ?? 0, floor ?? 0, sharing ?? SharingRule.PerHousehold,
            ceiling, friendly, quota, sanctions ?? DefaultSanctions, safety ?? new SafetyLimits(null, null), stages, breaker, gaugeRules);
    }

    /// <summary>resources.X.breaker: capacity_per_minute (required), window_minutes, curtails (ordered).</summary>
    private static ResourceBreaker? ReadResourceBreaker(YamlMapReader r)
    {
        var capacity = r.Long("capacity_per_minute", 1, MaxAmount);
        var window = r.Int("window_minutes", 1, 24 * 60, required: false) ?? PolicyDefaults.ResourceBreakerWindowMinutes;
        var curtails = ReadClasses(r, "curtails", PolicyDefaults.ResourceBreakerCurtails);
        r.RejectUnknownKeys();
        if (r.Get("curtails", required: false) is { } n && curtails.IsEmpty)
            r.Errors.Add(n.Start, r.Field("curtails"), "is empty: an open breaker must curtail at least discretionary use");
        return capacity is null ? null : new ResourceBreaker(capacity.Value, window, curtails);
    }

    private static readonly Sanctions DefaultSanctions = new(PolicyDefaults.NoticePercent, PolicyDefaults.WarningPercent,
        PolicyDefaults.ThrottlePercent, PolicyDefaults.RestrictionPercent, PolicyDefaults.ThrottleCurtails, PolicyDefaults.RestrictionCurtails);

    private static TimeWindow? ReadWindow(YamlNode node, string path, PolicyErrors errors)
    {
        var r = YamlMapReader.From(node, path, errors);
        if (r is null) return null;
        TimeOnly? Time(string key)
        {
            var n = r.Get(key, required: true);
            if (n is null) return null;
            if (n is YamlScalarNode { Value: { } v } && TimeOnly.TryParseExact(v, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var t)) return t;
            errors.Add(n.Start, r.Field(key), $"must be a time of day like 06:30, got '{(n as YamlScalarNode)?.Value}'");
            return null;
        }
        var from = Time("from");
        var to = Time("to");
        r.RejectUnknownKeys();
        if (from is null || to is null) return null;
        if (from == to) errors.Add(r.Start, path, "from and to are equal: the window would be empty");
        return new TimeWindow(from.Value, to.Value);
    }

    /// <summary>A list of use classes that respects the shedding order: essential only with standard,
    /// standard only with discretionary (docs/design.md rule 2).</summary>
    private static ImmutableHashSet<UseClass> ReadClasses(YamlMapReader r, string key, ImmutableHashSet<UseClass> fallback)
    {
        var n = r.Get(key, required: false);
        if (n is null) return fallback;
        var set = ImmutableHashSet<UseClass>.Empty;
        if (n is not YamlSequenceNode seq)
        {
            r.Errors.Add(n.Start, r.Field(key), "must be a list of use classes");
            return set;
        }
        for (var i = 0; i < seq.Children.Count; i++)
            if (YamlMapReader.ParseEnum(seq.Children[i], $"{r.Field(key)}[{i}]", UseNames, r.Errors) is { } c) set = set.Add(c);
        if (!ShedOrder.IsOrdered(set))
            r.Errors.Add(n.Start, r.Field(key), "breaks the shedding order: curtailing essential needs standard, standard needs discretionary");
        return set;
    }

    private static Sanctions? ReadSanctions(YamlMapReader r)
    {
        var notice = r.Int("notice_percent", 1, 10_000, required: false) ?? PolicyDefaults.NoticePercent;
        var warning = r.Int("warning_percent", 1, 10_000, required: false) ?? PolicyDefaults.WarningPercent;
        var throttle = r.Int("throttle_percent", 1, 10_000, required: false) ?? PolicyDefaults.ThrottlePercent;
        var restriction = r.Int("restriction_percent", 1, 10_000, required: false) ?? PolicyDefaults.RestrictionPercent;
        var throttleCurtails = ReadClasses(r, "throttle_curtails", PolicyDefaults.ThrottleCurtails);
        var restrictionCurtails = ReadClasses(r, "restriction_curtails", PolicyDefaults.RestrictionCurtails);
        r.RejectUnknownKeys();
        if (!(notice <= warning && warning <= throttle && throttle <= restriction))
            r.Errors.Add(r.Start, r.Path, $"thresholds must rise notice <= warning <= throttle <= restriction, got {notice}, {warning}, {throttle}, {restriction}");
        if (!throttleCurtails.IsSubsetOf(restrictionCurtails))
            r.Errors.Add(r.Start, r.Field("restriction_curtails"), "must include everything throttle_curtails curtails (sanctions are graduated)");
        return new Sanctions(notice, warning, throttle, restriction, throttleCurtails, restrictionCurtails);
    }

    private static SafetyLimits? ReadSafety(YamlMapReader r)
    {
        var leak = r.Int("leak_minutes", 1, 7 * 24 * 60, required: false);
        var burst = r.Long("burst_max_per_minute", 1, MaxAmount, required: false);
        r.RejectUnknownKeys();
        return new SafetyLimits(leak, burst);
    }
}
