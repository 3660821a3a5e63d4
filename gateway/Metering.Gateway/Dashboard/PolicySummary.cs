using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>What a proposal changes, in plain sentences a council member can approve or refuse:
/// council and quorum, households and persons, meters, and per resource the period, cap, floor,
/// ceiling and sharing, amounts in human units. Zones, stages, sanctions and safety limits are
/// named when they change; the line diff beside it shows the detail.</summary>
internal static class PolicySummary
{
    public static IReadOnlyList<string> Changes(CommunityPolicy now, CommunityPolicy proposed)
    {
        var s = new List<string>();
        if (now.Council.K != proposed.Council.K || !now.Council.Members.SequenceEqual(proposed.Council.Members))
            s.Add($"Council: {Quorum(now.Council)} → {Quorum(proposed.Council)}.");
        if (now.UtcOffset != proposed.UtcOffset) s.Add($"Local time: UTC{Offset(now.UtcOffset)} → UTC{Offset(proposed.UtcOffset)}.");
        if (now.EmergencyMaxDuration != proposed.EmergencyMaxDuration)
            s.Add(string.Create(CultureInfo.InvariantCulture, $"Longest emergency: {now.EmergencyMaxDuration.TotalHours:0.#} h → {proposed.EmergencyMaxDuration.TotalHours:0.#} h."));
        Households(now, proposed, s);
        foreach (var r in now.Resources.Keys.Union(proposed.Resources.Keys).Order())
        {
            var a = now.Resources.GetValueOrDefault(r);
            var b = proposed.Resources.GetValueOrDefault(r);
            if (a is null) s.Add($"{Title(r)}: added, cap {Amounts.Human(b!.CapPerPeriod, r)} per {Period(b.Period)}.");
            else if (b is null) s.Add($"{Title(r)}: removed (no allowances, no limits).");
            else Resource(r, a, b, s);
        }
        var zonesBefore = now.Zones.Select(z => z.Id).ToHashSet(StringComparer.Ordinal);
        var zonesAfter = proposed.Zones.Select(z => z.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var z in zonesAfter.Except(zonesBefore).Order(StringComparer.Ordinal)) s.Add($"Zone {z}: added.");
        foreach (var z in zonesBefore.Except(zonesAfter).Order(StringComparer.Ordinal)) s.Add($"Zone {z}: removed.");
        foreach (var z in proposed.Zones.Where(z => zonesBefore.Contains(z.Id) && now.Zones.First(o => o.Id == z.Id) is var o && !SameZone(o, z)))
            s.Add($"Zone {z.Id}: changed.");
        if (s.Count == 0) s.Add(now.Version != proposed.Version ? $"Version {now.Version} → {proposed.Version}; no rule changes." : "No rule changes.");
        else if (now.Version != proposed.Version) s.Insert(0, $"Version {now.Version} → {proposed.Version}.");
        return s;
    }

    private static void Households(CommunityPolicy now, CommunityPolicy proposed, List<string> s)
    {
        var before = now.Households.ToDictionary(h => h.Id, StringComparer.Ordinal);
        foreach (var h in proposed.Households)
        {
            if (!before.Remove(h.Id, out var old)) { s.Add($"Household {h.Id}: added, {Persons(h.Persons)}, {h.Meters.Length} meter(s)."); continue; }
            if (old.Persons != h.Persons) s.Add($"Household {h.Id}: {Persons(old.Persons)} → {Persons(h.Persons)}.");
            var meters = string.Join(", ", h.Meters.Select(Meter));
            if (string.Join(", ", old.Meters.Select(Meter)) != meters) s.Add($"Household {h.Id}: meters now {meters}.");
        }
        foreach (var gone in before.Keys.Order(StringComparer.Ordinal)) s.Add($"Household {gone}: removed.");
    }

    private static void Resource(Resource r, ResourcePolicy a, ResourcePolicy b, List<string> s)
    {
        void Change(string what, string x, string y) { if (x != y) s.Add($"{Title(r)} {what}: {x} → {y}."); }
        Change("period", Period(a.Period), Period(b.Period));
        Change("cap", $"{Amounts.Human(a.CapPerPeriod, r)} per {Period(a.Period)}", $"{Amounts.Human(b.CapPerPeriod, r)} per {Period(b.Period)}");
        Change("floor", $"{Amounts.Human(a.FloorPerPersonPerPeriod, r)} per person", $"{Amounts.Human(b.FloorPerPersonPerPeriod, r)} per person");
        Change("sharing", Sharing(a.Sharing), Sharing(b.Sharing));
        Change("ceiling per household", a.CeilingPerHouseholdPerPeriod is { } ca ? Amounts.Human(ca, r) : "none",
            b.CeilingPerHouseholdPerPeriod is { } cb ? Amounts.Human(cb, r) : "none");
        if (!SameSanctions(a.Sanctions, b.Sanctions)) s.Add($"{Title(r)} sanctions: notice/warning/throttle/restriction at " +
            $"{Pct(a.Sanctions)} → {Pct(b.Sanctions)} of the allowance.");
        if (a.Safety != b.Safety) s.Add($"{Title(r)} safety limits changed.");
        if (a.Stages.Length != b.Stages.Length || a.Stages.Zip(b.Stages).Any(x => x.First.Stage != x.Second.Stage
                || x.First.Trigger != x.Second.Trigger || !x.First.Curtails.SetEquals(x.Second.Curtails)))
            s.Add($"{Title(r)} shortage stages changed.");
        if ((a.Breaker is null) != (b.Breaker is null) || a.Breaker is { } ba && b.Breaker is { } bb
                && (ba.CapacityPerMinute != bb.CapacityPerMinute || ba.WindowMinutes != bb.WindowMinutes || !ba.Curtails.SetEquals(bb.Curtails)))
            s.Add($"{Title(r)} resource breaker changed.");
    }

    // Records holding sets compare the sets by reference: compare their content.
    private static bool SameSanctions(Sanctions a, Sanctions b) => a.NoticePercent == b.NoticePercent && a.WarningPercent == b.WarningPercent
        && a.ThrottlePercent == b.ThrottlePercent && a.RestrictionPercent == b.RestrictionPercent
        && a.ThrottleCurtails.SetEquals(b.ThrottleCurtails) && a.RestrictionCurtails.SetEquals(b.RestrictionCurtails);

    private static bool SameZone(Zone a, Zone b) => a.Resource == b.Resource && a.CapacityPerMinute == b.CapacityPerMinute && a.Households.SequenceEqual(b.Households)
        && a.RotationSlotMinutes == b.RotationSlotMinutes && a.MaxSpreadMinutes == b.MaxSpreadMinutes;

    private static string Quorum(Council c) => $"{c.K} of {c.N} ({string.Join(", ", c.Members)})";
    private static string Meter(Meter m) => $"{m.Id} ({string.Join(", ", m.Channels.Select(c => c.Id + " " + c.Use.ToString().ToLowerInvariant()))})";
    private static string Persons(int n) => n == 1 ? "1 person" : n.ToString(CultureInfo.InvariantCulture) + " persons";
    private static string Title(Resource r) => r switch { Domain.Resource.Water => "Water", Domain.Resource.Energy => "Energy", _ => "Forest" };
    private static string Period(PolicyPeriod p) => p.ToString().ToLowerInvariant();
    private static string Sharing(SharingRule r) => r == SharingRule.PerPerson ? "per person" : "per household";
    private static string Pct(Sanctions x) => $"{x.NoticePercent}/{x.WarningPercent}/{x.ThrottlePercent}/{x.RestrictionPercent} %";
    private static string Offset(TimeSpan o) => (o < TimeSpan.Zero ? "-" : "+") + o.Duration().ToString(@"hh\:mm", CultureInfo.InvariantCulture);
}
