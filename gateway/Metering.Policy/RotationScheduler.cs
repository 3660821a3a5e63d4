using System.Collections.Immutable;

namespace Commons.Metering.Gateway.Policy;

/// <summary>One rotation slot's outcome.</summary>
/// <param name="StillOverPerMinute">Load above capacity even with every candidate shed (0 when within):
/// rotation alone cannot fix it, the zone breaker or a stage must.</param>
public sealed record RotationSlot(long Slot, ImmutableArray<string> Shed, long LoadAfterPerMinute, long StillOverPerMinute);

/// <summary>Sheds discretionary load of a zone over capacity in rotation, slot by slot, and records the
/// minutes each household lost. Households are shed fewest-minutes-lost first (ties: the one shed
/// longest ago, then policy order). Shedding a prefix of that order keeps every household's minutes
/// within one slot of each other when every household has sheddable load — the bound the policy
/// states as max_spread_minutes (the loader requires it to be at least one slot).</summary>
public sealed class RotationScheduler
{
    private readonly Zone _zone;
    private readonly Dictionary<string, long> _minutesLost;
    private readonly Dictionary<string, long> _lastShedSlot;
    private long _slot;

    public RotationScheduler(Zone zone)
    {
        _zone = zone;
        _minutesLost = zone.Households.ToDictionary(h => h, _ => 0L);
        _lastShedSlot = zone.Households.ToDictionary(h => h, _ => -1L);
    }

    public Zone Zone => _zone;

    public IReadOnlyDictionary<string, long> MinutesLost => _minutesLost;

    /// <summary>The next slot's number (persisted with the minutes, so "shed longest ago" survives a restart).</summary>
    public long Slot => _slot;

    /// <summary>When each household was last shed (slot number, -1 never).</summary>
    public IReadOnlyDictionary<string, long> LastShedSlot => _lastShedSlot;

    /// <summary>After a gateway restart or a policy change: puts back the minutes each household lost and when
    /// it was last shed. Households no longer in the zone are ignored; new ones start from the zone's
    /// fewest minutes (joining at zero would make them the only ones shed until they caught up).</summary>
    public void Restore(long slot, IReadOnlyDictionary<string, long> minutesLost, IReadOnlyDictionary<string, long> lastShedSlot)
    {
        _slot = Math.Max(_slot, slot);
        var known = minutesLost.Where(m => _minutesLost.ContainsKey(m.Key)).ToList();
        var floor = known.Count == 0 ? 0 : known.Min(m => m.Value);
        foreach (var h in _zone.Households)
        {
            _minutesLost[h] = minutesLost.TryGetValue(h, out var m) ? m : floor;
            _lastShedSlot[h] = lastShedSlot.TryGetValue(h, out var l) ? l : -1;
        }
    }

    public long Spread => _minutesLost.Count == 0 ? 0 : _minutesLost.Values.Max() - _minutesLost.Values.Min();

    /// <summary>Plans the next slot from the zone's load and each household's sheddable
    /// (discretionary) load, both per minute in the resource's base unit; records the minutes lost.</summary>
    public RotationSlot NextSlot(long zoneLoadPerMinute, IReadOnlyDictionary<string, long> discretionaryLoadPerMinute)
    {
        var slot = _slot++;
        var load = zoneLoadPerMinute;
        var shed = ImmutableArray.CreateBuilder<string>();
        var order = _zone.Households
            .Select((h, i) => (Id: h, Index: i, Load: discretionaryLoadPerMinute.GetValueOrDefault(h)))
            .Where(c => c.Load > 0)
            .OrderBy(c => _minutesLost[c.Id]).ThenBy(c => _lastShedSlot[c.Id]).ThenBy(c => c.Index);
        foreach (var c in order)
        {
            if (load <= _zone.CapacityPerMinute) break;
            shed.Add(c.Id);
            load -= c.Load;
            _minutesLost[c.Id] += _zone.RotationSlotMinutes;
            _lastShedSlot[c.Id] = slot;
        }
        return new RotationSlot(slot, shed.ToImmutable(), load, Math.Max(0, load - _zone.CapacityPerMinute));
    }
}
