using Commons.Metering.Gateway.Domain;
using YamlDotNet.RepresentationModel;

namespace Commons.Metering.Gateway.Policy;

public static partial class PolicyLoader
{
    private static Zone? ReadZone(YamlNode node, string path, PolicyErrors errors)
    {
        var r = YamlMapReader.From(node, path, errors);
        if (r is null) return null;
        var id = r.String("id");
        var resource = r.Enum("resource", ResourceNames);
        var capacity = r.Long("capacity_per_minute", 1, MaxAmount);
        var items = r.Seq("households").Select(h => (Id: Scalar(h.Node, h.Path, errors), h.Node)).ToList();
        var households = items.Select(i => i.Id).OfType<string>().ToList();
        var slot = r.Int("rotation_slot_minutes", 1, 24 * 60, required: false) ?? PolicyDefaults.RotationSlotMinutes;
        var spread = r.Int("max_spread_minutes", 1, 7 * 24 * 60, required: false) ?? PolicyDefaults.MaxSpreadMinutes;
        r.RejectUnknownKeys();
        CheckUnique(r, "households", items);
        if (spread < slot)
            r.Errors.Add(r.At("max_spread_minutes"), r.Field("max_spread_minutes"),
                $"is {spread} but a rotation can only keep households within one slot ({slot} min) of each other");
        return id is null || resource is null || capacity is null ? null
            : errors.Remember(new Zone(id, resource.Value, capacity.Value, [.. households], slot, spread), r);
    }

    /// <summary>Checks that span sections: ids unique, references resolve, floors fit under ceilings.</summary>
    private static void CheckCrossReferences(PolicyErrors errors, CommunityPolicy p)
    {
        foreach (var dup in p.Households.GroupBy(h => h.Id).Where(g => g.Count() > 1))
            errors.AddAt(dup.Last(), "id", $"household '{dup.Key}' is listed {dup.Count()} times");
        var meters = p.Households.SelectMany(h => h.Meters).Select(m => (m.Id, Item: (object)m, m.Resource))
            .Concat(p.SharedMeters.Select(m => (m.Id, Item: (object)m, m.Resource))).ToList();
        foreach (var dup in meters.GroupBy(m => m.Id).Where(g => g.Count() > 1))
            errors.AddAt(dup.Last().Item, "id", $"meter '{dup.Key}' is listed {dup.Count()} times; meter ids are unique in a community");

        foreach (var m in p.Households.SelectMany(h => h.Meters))
            if (!p.Resources.ContainsKey(m.Resource))
                errors.AddAt(m, "resource", $"is {m.Resource.Name()} but resources has no {m.Resource.Name()} section");

        foreach (var (resource, rp) in p.Resources)
        {
            if (rp.CeilingPerHouseholdPerPeriod is { } ceiling)
                foreach (var h in p.Households.Where(h => checked(h.Persons * rp.FloorPerPersonPerPeriod) > ceiling))
                    errors.AddAt(rp, "ceiling", $"is {ceiling} {resource.Unit()} but household '{h.Id}' has a floor of " +
                        $"{h.Persons * rp.FloorPerPersonPerPeriod} {resource.Unit()} ({h.Persons} persons); floors come first");
            foreach (var s in rp.Stages.Where(s => s.Trigger is not null))
                CheckTrigger(errors, p, s);
        }

        var zoneIds = new HashSet<string>();
        var zoned = new HashSet<(string Household, Resource Resource)>();
        foreach (var z in p.Zones)
        {
            if (!zoneIds.Add(z.Id)) errors.AddAt(z, "id", $"zone '{z.Id}' is listed twice");
            foreach (var h in z.Households)
            {
                if (p.Households.All(x => x.Id != h)) errors.AddAt(z, "households", $"'{h}' is not a household of this policy");
                else if (!zoned.Add((h, z.Resource))) errors.AddAt(z, "households", $"'{h}' is already in another {z.Resource.Name()} zone");
            }
        }
    }

    private static void CheckTrigger(PolicyErrors errors, CommunityPolicy p, ShortageStage s)
    {
        var t = s.Trigger!;
        var channels = p.SharedMeters.Where(m => m.Id == t.Meter).SelectMany(m => m.Channels)
            .Concat(p.Households.SelectMany(h => h.Meters).Where(m => m.Id == t.Meter).SelectMany(m => m.Channels.Select(c => c.Id)))
            .ToList();
        if (channels.Count == 0)
            errors.AddAt(s, "trigger.meter", $"'{t.Meter}' is not a meter of this policy (list it under shared_meters)");
        else if (!channels.Contains(t.Channel))
            errors.AddAt(s, "trigger.channel", $"'{t.Channel}' is not a channel of meter '{t.Meter}'");
    }
}
