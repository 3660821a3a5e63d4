using System.Text.Json;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>Zone and resource breakers over time, and the rotation they drive.
/// Zone: at each rotation slot the zone's demand (measured load plus what its shed households drew when
/// last unshed) over its capacity opens the breaker; while it is not closed the rotation sheds
/// discretionary channels; every slot boundary while half-open is a probe. Resource: the community's use
/// averaged over the breaker's window above the supply's capacity opens it; while open it curtails the
/// policy's classes; half-open lets the load back and reads one window per probe.</summary>
internal sealed partial class BreakerBoard
{
    /// <summary>A household channel's counted rise: its zones' load in the slot (per meter, and the
    /// discretionary part per household) and its resource breaker's use, kept per meter; the first reading
    /// after a start has no known start time and counts nothing for the resource (it may hold hours of use).</summary>
    public void AddUse(ChannelRuntime cr, ResourceRuntime? r, long fromMs, long toMs, long delta)
    {
        foreach (var z in _zones)
        {
            if (z.Zone.Resource != cr.Resource || !z.Zone.Households.Contains(cr.Household.Id)) continue;
            z.LoadInSlot += delta;
            z.LoadByMeterInSlot[cr.Meter.Id] = z.LoadByMeterInSlot.GetValueOrDefault(cr.Meter.Id) + delta;
            if (cr.Channel.Use == UseClass.Discretionary)
                z.DiscretionaryInSlot[cr.Household.Id] = z.DiscretionaryInSlot.GetValueOrDefault(cr.Household.Id) + delta;
        }
        if (r?.Use is { } use && fromMs > 0) use.Add(cr.Meter.Id, fromMs, toMs, delta);
    }

    /// <summary>Every zone whose slot ended moves to the next one; after each, the households whose shedding
    /// changed are handed to <paramref name="decideAgain"/> with the zone's resource (before the next zone moves,
    /// as a household may belong to two zones).</summary>
    public void NextSlots(DateTimeOffset now, Action<string, Resource> decideAgain)
    {
        foreach (var z in _zones)
        {
            if (now < z.SlotEnd) continue;
            foreach (var h in NextRotationSlot(z, now)) decideAgain(h, z.Zone.Resource);
        }
    }

    /// <summary>Each pass: resource breakers trip, probe and act; zone breakers' lazy half-open is audited now.
    /// Returns the resources whose breaker started or stopped curtailing (every household to decide again).</summary>
    public IReadOnlyList<Resource> Tick(DateTimeOffset now)
    {
        var changed = new List<Resource>();
        foreach (var z in _zones) _ = z.Breaker.State;
        foreach (var (resource, r) in _resources)
        {
            if (r.Breaker is not { } b || r.Policy.Breaker is not { } p || r.Use is not { } use) continue;
            var state = b.State;
            if (state == BreakerState.HalfOpen && r.BreakerSeen != BreakerState.HalfOpen) r.ProbeAt = b.Since + TimeSpan.FromMinutes(p.WindowMinutes);
            r.BreakerSeen = state;
            var bySource = use.BySource(now);
            var rate = bySource.Values.Sum() / use.WindowMinutes;
            // Never one device alone (Corroboration): the breaker acts on the corroborated use.
            var corroborated = Corroboration.Corroborated(bySource.Values) / use.WindowMinutes;
            var unit = resource.Unit();
            WarnUncorroborated(r, resource.Name(), rate, corroborated, p.CapacityPerMinute, unit, bySource);
            if (state == BreakerState.Closed && corroborated > p.CapacityPerMinute)
                b.Trip($"use {rate} {unit}/min over the last {p.WindowMinutes} min from {bySource.Count} devices, capacity {p.CapacityPerMinute} {unit}/min",
                    actor: "resource:" + resource.Name());
            else if (state == BreakerState.HalfOpen && now >= r.ProbeAt)
            {
                b.RecordProbe(corroborated <= p.CapacityPerMinute, $"use {rate} {unit}/min, capacity {p.CapacityPerMinute} {unit}/min");
                r.ProbeAt = now + TimeSpan.FromMinutes(p.WindowMinutes);
            }
            r.BreakerSeen = b.State;
            var cut = r.BreakerSeen == BreakerState.Open;
            if (cut == r.BreakerCut) continue;
            r.BreakerCut = cut;
            changed.Add(resource);
        }
        return changed;
    }

    /// <summary>Once per episode: a use over the supply that only one device reports is logged (who), never acted on.</summary>
    private void WarnUncorroborated(ResourceRuntime r, string name, long rate, long corroborated, long capacity, string unit, IReadOnlyDictionary<string, long> bySource)
    {
        var alone = rate > capacity && corroborated <= capacity;
        if (alone && !r.Uncorroborated)
            logger.LogWarning("Community {Resource} use {Rate} {Unit}/min is over the capacity {Capacity} {Unit}/min only by the word of one device ({Meter}): the breaker does not act on one device alone",
                name, rate, unit, capacity, unit, Corroboration.Largest(bySource));
        r.Uncorroborated = alone;
    }

    private List<string> NextRotationSlot(ZoneRuntime z, DateTimeOffset now)
    {
        var minutes = z.Zone.RotationSlotMinutes;
        foreach (var h in z.Zone.Households.Where(h => !z.Shed.Contains(h)))
            z.SheddableLoad[h] = z.DiscretionaryInSlot.GetValueOrDefault(h) / minutes;
        // Demand = what was measured plus what the shed households would have drawn.
        var demand = z.LoadInSlot / minutes + z.Shed.Sum(h => z.SheddableLoad.GetValueOrDefault(h));
        // Never one device alone (Corroboration): each meter's load, and each shed household's estimate, is one source.
        var corroborated = Corroboration.Corroborated(
            z.LoadByMeterInSlot.Values.Select(l => l / minutes).Concat(z.Shed.Select(h => z.SheddableLoad.GetValueOrDefault(h))));
        var capacity = z.Zone.CapacityPerMinute;
        var unit = z.Zone.Resource.Unit();
        var b = z.Breaker;
        var state = b.State;
        if (state == BreakerState.Closed && demand > capacity && corroborated <= capacity)
            logger.LogWarning("Zone {Zone} load {Demand} {Unit}/min is over the capacity {Capacity} {Unit}/min only by the word of one device ({Meter}): the breaker does not act on one device alone",
                z.Zone.Id, demand, unit, capacity, unit, Corroboration.Largest(z.LoadByMeterInSlot));
        if (state == BreakerState.Closed && corroborated > capacity)
            b.Trip($"load {demand} {unit}/min over capacity {capacity} {unit}/min", actor: "zone:" + z.Zone.Id);
        else if (state == BreakerState.HalfOpen)
            b.RecordProbe(corroborated <= capacity, $"load {demand} {unit}/min, capacity {capacity} {unit}/min");
        // Closed: nothing shed. Open or probing: the rotation sheds what the demand requires.
        var shed = b.State == BreakerState.Closed ? [] : z.Scheduler.NextSlot(demand, z.SheddableLoad).Shed;
        var before = z.Shed;
        z.Shed = shed.ToHashSet(StringComparer.Ordinal);
        z.LoadInSlot = 0;
        z.LoadByMeterInSlot.Clear();
        z.DiscretionaryInSlot.Clear();
        z.SlotEnd = SlotBoundary(now, minutes);
        SaveRotation(z);
        return before.Union(z.Shed).Where(h => before.Contains(h) != z.Shed.Contains(h)).ToList();
    }

    private static DateTimeOffset SlotBoundary(DateTimeOffset now, int slotMinutes)
    {
        var slotMs = slotMinutes * 60_000L;
        return DateTimeOffset.FromUnixTimeMilliseconds((now.ToUnixTimeMilliseconds() / slotMs + 1) * slotMs);
    }

    private sealed record RotationState(long Slot, Dictionary<string, long> Minutes, Dictionary<string, long> Last,
        List<string> Shed, long SlotEndMs, Dictionary<string, long> Sheddable);

    private void SaveRotation(ZoneRuntime z) => db.Set("rotation:" + z.Zone.Id, JsonSerializer.Serialize(new RotationState(
        z.Scheduler.Slot, z.Scheduler.MinutesLost.ToDictionary(), z.Scheduler.LastShedSlot.ToDictionary(), [.. z.Shed],
        z.SlotEnd.ToUnixTimeMilliseconds(), z.SheddableLoad.ToDictionary())));

    /// <summary>The minutes each household lost (and the slot in progress, if it has not ended) as they were
    /// before a restart or a policy change.</summary>
    private void RestoreRotation(ZoneRuntime z, DateTimeOffset now)
    {
        if (db.Get("rotation:" + z.Zone.Id) is not { } json || JsonSerializer.Deserialize<RotationState>(json) is not { } s) return;
        z.Scheduler.Restore(s.Slot, s.Minutes, s.Last);
        var members = z.Zone.Households.ToHashSet(StringComparer.Ordinal);
        foreach (var (h, load) in s.Sheddable.Where(x => members.Contains(x.Key))) z.SheddableLoad[h] = load;
        var end = DateTimeOffset.FromUnixTimeMilliseconds(s.SlotEndMs);
        if (end <= now) return;
        z.SlotEnd = end;
        z.Shed = s.Shed.Where(members.Contains).ToHashSet(StringComparer.Ordinal);
    }
}
