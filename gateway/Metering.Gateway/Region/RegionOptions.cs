using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Configuration;

namespace Commons.Metering.Gateway.Region;

/// <summary>This gateway serves a region (section Metering:Region; environment
/// Metering__Region__Id=river-a): its member communities and, per resource, the regional budget.
/// Absent (no Id) = not a region. Every default is here with its reason.</summary>
public sealed class RegionOptions
{
    public const string Section = "Metering:Region";

    /// <summary>The region's id, in the community id alphabet (docs/protocol.md, "Topics").</summary>
    public string Id { get; set; } = "";

    /// <summary>Period boundaries are local to this offset, like a community's utc_offset; a member's
    /// report must use the same periods (its policy's period and utc_offset for the resource).</summary>
    public string UtcOffset { get; set; } = "+00:00";

    /// <summary>How long a delegated cap stays valid after the answer that carried it: 48 h, so a
    /// community whose link is down for a day keeps it through the next day's period start.</summary>
    public int CapValidityHours { get; set; } = 48;

    /// <summary>The same validity in seconds, in place of <see cref="CapValidityHours"/> when above 0:
    /// a drill or a test compresses a day without the region into seconds. 0 = CapValidityHours.</summary>
    public int CapValiditySeconds { get; set; }

    /// <summary>How long a delegated cap holds without a new answer: CapValiditySeconds when set, else CapValidityHours.</summary>
    public TimeSpan CapValidity => CapValiditySeconds > 0 ? TimeSpan.FromSeconds(CapValiditySeconds) : TimeSpan.FromHours(CapValidityHours);

    /// <summary>The longest a regional stage may last before the council must declare it again: 72 h,
    /// a community's emergency sunset (Policy/PolicyDefaults.cs, EmergencyMaxHours).</summary>
    public int StageMaxHours { get; set; } = Policy.PolicyDefaults.EmergencyMaxHours;

    /// <summary>Regional state: the reports and the caps given; empty = {DataDirectory}/region.db.</summary>
    public string StateFile { get; set; } = "";

    /// <summary>The region's own hash-chained audit log; empty = {DataDirectory}/region-audit.log.</summary>
    public string AuditFile { get; set; } = "";

    public List<MemberOptions> Communities { get; set; } = [];

    /// <summary>The regional council: delegates (account names on this gateway, council role) of whom
    /// any K approve a change of budget (RegionalCouncil). No members = budgets change by configuration only.</summary>
    public RegionalCouncilOptions Council { get; set; } = new();

    /// <summary>Keyed by resource name: water, energy, forest.</summary>
    public Dictionary<string, RegionalResourceOptions> Resources { get; set; } = [];

    /// <summary>Reports over MQTT as well as HTTP (RegionMqttListener); no Host = HTTP only.</summary>
    public RegionMqttOptions Mqtt { get; set; } = new();

    public bool Configured => !string.IsNullOrWhiteSpace(Id);

    public static RegionOptions Bind(IConfiguration configuration) =>
        configuration.GetSection(Section).Get<RegionOptions>() ?? new RegionOptions();

    public string StatePath(string dataDirectory) =>
        string.IsNullOrWhiteSpace(StateFile) ? Path.Combine(dataDirectory, "region.db") : StateFile;

    public string AuditPath(string dataDirectory) =>
        string.IsNullOrWhiteSpace(AuditFile) ? Path.Combine(dataDirectory, "region-audit.log") : AuditFile;

    public TimeSpan Offset => RegionIds.TryOffset(UtcOffset, out var o) ? o : TimeSpan.Zero;

    public MemberOptions? Member(string community) => Communities.FirstOrDefault(c => c.Id == community);

    public RegionalBudget Budget(Resource r)
    {
        var o = Resources[r.Name()];
        return new RegionalBudget(r, o.PeriodKind, o.BudgetPerPeriod, o.NeedPerPersonPerPeriod, o.RuleKind);
    }

    public IEnumerable<Resource> BudgetedResources() =>
        Resources.Keys.Select(k => Domain.Resources.TryParse(k, out var r) ? r : (Resource?)null).OfType<Resource>();

    /// <summary>What is wrong with these values, each naming its key; empty when valid.</summary>
    public IEnumerable<string> Errors()
    {
        if (!Configured) yield break;
        if (!RegionIds.Valid(Id)) yield return $"{Section}:Id '{Id}' must match {RegionIds.Pattern}";
        if (!RegionIds.TryOffset(UtcOffset, out _)) yield return $"{Section}:UtcOffset '{UtcOffset}' must look like +03:00 or -05:30";
        if (CapValidityHours is < 1 or > 24 * 31) yield return $"{Section}:CapValidityHours must be between 1 and 744 (is {CapValidityHours})";
        if (CapValiditySeconds is < 0 or > 24 * 31 * 3600)
            yield return $"{Section}:CapValiditySeconds must be between 0 (use CapValidityHours) and 2678400 (is {CapValiditySeconds})";
        if (StageMaxHours is < 1 or > 24 * 31) yield return $"{Section}:StageMaxHours must be between 1 and 744 (is {StageMaxHours})";
        if (Communities.Count == 0) yield return $"{Section}:Communities must list at least one member community";
        if (Resources.Count == 0) yield return $"{Section}:Resources must give at least one budget (water, energy or forest)";
        for (var i = 0; i < Communities.Count; i++)
            foreach (var e in Communities[i].Errors($"{Section}:Communities:{i}")) yield return e;
        if (Council.Members.Count > 0 && (Council.K < 1 || Council.K > Council.Members.Count))
            yield return $"{Section}:Council:K must be between 1 and the {Council.Members.Count} members (is {Council.K})";
        if (Council.Members.Distinct(StringComparer.Ordinal).Count() != Council.Members.Count)
            yield return $"{Section}:Council:Members lists a delegate more than once";
        foreach (var e in Mqtt.Errors($"{Section}:Mqtt")) yield return e;
        foreach (var dup in Communities.GroupBy(c => c.Id).Where(g => g.Count() > 1))
            yield return $"{Section}:Communities lists '{dup.Key}' more than once";
        foreach (var (name, r) in Resources)
        {
            if (!Domain.Resources.TryParse(name, out _)) { yield return $"{Section}:Resources:{name} is not a resource (water, energy, forest)"; continue; }
            foreach (var e in r.Errors($"{Section}:Resources:{name}")) yield return e;
        }
    }
}

public sealed class RegionalCouncilOptions
{
    public int K { get; set; }

    public List<string> Members { get; set; } = [];
}

public sealed class MemberOptions
{
    public string Id { get; set; } = "";

    /// <summary>SHA-256 (hex) of the community's upstream token: the region never stores the token
    /// itself, so its state or configuration leaking does not let anyone report as a member.</summary>
    public string TokenSha256 { get; set; } = "";

    /// <summary>Its agreed share, for the by_shares rule (e.g. historical water rights).</summary>
    public long Share { get; set; } = 1;

    /// <summary>This community's council as the region knows it, for mutual aid: its members' account
    /// names on the region's gateway, of whom any K approve a loan for the community (MutualAid).</summary>
    public RegionalCouncilOptions Council { get; set; } = new();

    /// <summary>Most it may get per period, per resource name; absent = no ceiling.</summary>
    public Dictionary<string, long> Ceilings { get; set; } = [];

    public IEnumerable<string> Errors(string key)
    {
        if (!RegionIds.Valid(Id)) yield return $"{key}:Id '{Id}' must match {RegionIds.Pattern}";
        if (TokenSha256.Length != 64 || !TokenSha256.All(Uri.IsHexDigit))
            yield return $"{key}:TokenSha256 must be the 64 hex digits of the SHA-256 of the community's token (sha256sum)";
        if (Share < 0) yield return $"{key}:Share cannot be negative (is {Share})";
        if (Council.Members.Count > 0 && (Council.K < 1 || Council.K > Council.Members.Count))
            yield return $"{key}:Council:K must be between 1 and the {Council.Members.Count} members (is {Council.K})";
        foreach (var (r, c) in Ceilings)
        {
            if (!Domain.Resources.TryParse(r, out _)) yield return $"{key}:Ceilings:{r} is not a resource (water, energy, forest)";
            if (c < 0) yield return $"{key}:Ceilings:{r} cannot be negative (is {c})";
        }
    }
}

public sealed class RegionalResourceOptions
{
    /// <summary>day, week, month, season or year (Policy/PolicyPeriods.cs).</summary>
    public string Period { get; set; } = "day";

    public long BudgetPerPeriod { get; set; }

    /// <summary>Basic need per person per period; water: 50 L/day = 50000 mL, the WHO's basic access.</summary>
    public long NeedPerPersonPerPeriod { get; set; }

    /// <summary>by_population, by_shares or by_recent_use (RegionalAllocation).</summary>
    public string Rule { get; set; } = "by_population";

    /// <summary>Stage triggers on gauges the members report (a river's level): RegionalStageTriggers.</summary>
    public List<RegionalTriggerOptions> Triggers { get; set; } = [];

    public PolicyPeriod PeriodKind => Enum.Parse<PolicyPeriod>(Period, ignoreCase: true);

    public RegionalRule RuleKind => Rule switch
    {
        "by_shares" => RegionalRule.ByShares,
        "by_recent_use" => RegionalRule.ByRecentUse,
        _ => RegionalRule.ByPopulation,
    };

    public IEnumerable<string> Errors(string key)
    {
        if (!Enum.TryParse<PolicyPeriod>(Period, ignoreCase: true, out _) || int.TryParse(Period, out _))
            yield return $"{key}:Period '{Period}' must be day, week, month, season or year";
        if (BudgetPerPeriod < 0) yield return $"{key}:BudgetPerPeriod cannot be negative (is {BudgetPerPeriod})";
        if (NeedPerPersonPerPeriod < 0) yield return $"{key}:NeedPerPersonPerPeriod cannot be negative (is {NeedPerPersonPerPeriod})";
        if (Rule is not ("by_population" or "by_shares" or "by_recent_use"))
            yield return $"{key}:Rule '{Rule}' must be by_population, by_shares or by_recent_use";
        for (var i = 0; i < Triggers.Count; i++)
            foreach (var e in Triggers[i].Errors($"{key}:Triggers:{i}")) yield return e;
    }
}

internal static class RegionIds
{
    public const string Pattern = Domain.WireIds.IdRule;

    public static bool Valid(string? id) => Domain.WireIds.IsId(id);

    /// <summary>"+03:00" or "-05:30" (the policy file's utc_offset form), at most 14 h (UTC+14 is the farthest zone).</summary>
    public static bool TryOffset(string? s, out TimeSpan offset)
    {
        offset = default;
        if (s is not { Length: 6 } || s[0] is not ('+' or '-')) return false;
        if (!TimeSpan.TryParseExact(s[1..], @"hh\:mm", CultureInfo.InvariantCulture, out var t) || t > TimeSpan.FromHours(14)) return false;
        offset = s[0] == '-' ? -t : t;
        return true;
    }
}
