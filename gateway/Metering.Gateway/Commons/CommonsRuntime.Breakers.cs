using System.Globalization;
using System.Text.Json;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Commons;

/// <summary>Zone and resource breakers (docs/design.md rule 3) and the rotation they drive; what of them
/// survives a restart. Channel breakers are in <see cref="ChannelSafety"/>.
/// Zone: at each rotation slot the zone's demand (measured load plus what its shed households drew when
/// last unshed) over its capacity opens the breaker; while it is not closed the rotation sheds
/// discretionary channels; every slot boundary while half-open is a probe. Resource: the community's use
/// averaged over the breaker's window above the supply's capacity opens it; while open it curtails the
/// policy's classes; half-open lets the load back and reads one window per probe.</summary>
public sealed partial class CommonsRuntime
{
    internal static string ZoneBreakerId(string zoneId) => "zone:" + zoneId;

    internal static string ResourceBreakerId(Resource r) => "resource:" + r.Name();

    private CircuitBreaker? FindBreaker(string id) =>
        _channels.TryGetValue(id, out var c) ? c.Safety?.Breaker
        : _zones.Find(z => z.Breaker.Id == id)?.Breaker
        ?? _resources.Values.FirstOrDefault(r => r.Breaker?.Id == id)?.Breaker;

    private IEnumerable<CircuitBreaker> AllBreakers() =>
        _channels.Values.Select(c => c.Safety?.Breaker).OfType<CircuitBreaker>()
            .Concat(_zones.Select(z => z.Breaker))
            .Concat(_resources.Values.Select(r => r.Breaker).OfType<CircuitBreaker>());

    /// <summary>Use of a household channel for its resource breaker, kept per meter; the first reading after a
    /// start has no known start time and counts nothing (it may hold hours of use).</summary>
    private static void AddResourceUse(ResourceRuntime? r, string meter, long fromMs, long toMs, long delta)
    {
        if (r?.Use is { } use && fromMs > 0) use.Add(meter, fromMs, toMs, delta);
    }

    /// <summary>Each pass: resource breakers trip, probe and act; zone breakers' lazy half-open is audited now.</summary>
    private void TickBreakers(DateTimeOffset now)
    {
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
            foreach (var h in _store.Current.Households) Evaluate(h, resource);
        }
    }

    /// <summary>Once per episode: a use over the supply that only one device reports is logged (who), never acted on.</summary>
    private void WarnUncorroborated(ResourceRuntime r, string name, long rate, long corroborated, long capacity, string unit, IReadOnlyDictionary<string, long> bySource)
    {
        var alone = rate > capacity && corroborated <= capacity;
        if (alone && !r.Uncorroborated)
            _logger.LogWarning("Community {Resource} use {Rate} {Unit}/min is over the capacity {Capacity} {Unit}/min only by the word of one device ({Meter}): the breaker does not act on one device alone",
                name, rate, unit, capacity, unit, Corroboration.Largest(bySource));
        r.Uncorroborated = alone;
    }

    private void NextRotationSlot(ZoneRuntime z, DateTimeOffset now)
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
            _logger.LogWarning("Zone {Zone} load {Demand} {Unit}/min is over the capacity {Capacity} {Unit}/min only by the word of one device ({Meter}): the breaker does not act on one device alone",
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
        foreach (var h in before.Union(z.Shed).Where(h => before.Contains(h) != z.Shed.Contains(h)).ToList())
            Evaluate(_store.Current.Household(h), z.Zone.Resource);
    }

    private sealed record RotationState(long Slot, Dictionary<string, long> Minutes, Dictionary<string, long> Last,
        List<string> Shed, long SlotEndMs, Dictionary<string, long> Sheddable);

    private void SaveRotation(ZoneRuntime z) => _db.Set("rotation:" + z.Zone.Id, JsonSerializer.Serialize(new RotationState(
        z.Scheduler.Slot, z.Scheduler.MinutesLost.ToDictionary(), z.Scheduler.LastShedSlot.ToDictionary(), [.. z.Shed],
        z.SlotEnd.ToUnixTimeMilliseconds(), z.SheddableLoad.ToDictionary())));

    /// <summary>The minutes each household lost (and the slot in progress, if it has not ended) as they were
    /// before a restart or a policy change.</summary>
    private void RestoreRotation(ZoneRuntime z, DateTimeOffset now)
    {
        if (_db.Get("rotation:" + z.Zone.Id) is not { } json || JsonSerializer.Deserialize<RotationState>(json) is not { } s) return;
        z.Scheduler.Restore(s.Slot, s.Minutes, s.Last);
        var members = z.Zone.Households.ToHashSet(StringComparer.Ordinal);
        foreach (var (h, load) in s.Sheddable.Where(x => members.Contains(x.Key))) z.SheddableLoad[h] = load;
        var end = DateTimeOffset.FromUnixTimeMilliseconds(s.SlotEndMs);
        if (end <= now) return;
        z.SlotEnd = end;
        z.Shed = s.Shed.Where(members.Contains).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>Breakers of every scope as they were before a restart (no new audit record).</summary>
    private void RestoreBreakers()
    {
        foreach (var b in _db.Breakers())
        {
            if (!Enum.TryParse<BreakerState>(b.State, out var state) || state == BreakerState.Closed || FindBreaker(b.Id) is not { } breaker) continue;
            SafetyReason? safety = Enum.TryParse<SafetyReason>(b.Safety, ignoreCase: true, out var s) ? s : null;
            breaker.Restore(b.Reason, safety, b.Technician, DateTimeOffset.FromUnixTimeMilliseconds(b.SinceMs), state,
                b.UntilMs is { } u ? DateTimeOffset.FromUnixTimeMilliseconds(u) : null, b.Trips);
        }
        var now = _time.GetUtcNow();
        foreach (var r in _resources.Values.Where(r => r.Breaker is not null))
        {
            r.BreakerSeen = r.Breaker!.State;
            r.BreakerCut = r.BreakerSeen == BreakerState.Open;
            // The use window is empty after a start: a probe needs a whole window of fresh readings.
            r.ProbeAt = now + TimeSpan.FromMinutes(r.Policy.Breaker!.WindowMinutes);
        }
    }

    private void BreakerChanged(string id, string kind)
    {
        if (FindBreaker(id) is not { } b) return;
        var scope = b.Scope.ToString().ToLowerInvariant();
        _metrics?.CountBreakerTransition(scope, kind.StartsWith("breaker.", StringComparison.Ordinal) ? kind["breaker.".Length..] : kind);
        _db.SaveBreaker(id, b.State.ToString(), b.Reason, b.Safety?.ToString(), b.NeedsTechnician, b.Since.ToUnixTimeMilliseconds(),
            b.OpenUntil.ToUnixTimeMilliseconds(), b.RecentTrips);
    }

    /// <summary>Non-closed breakers per (scope, state), for the metrics.</summary>
    private IReadOnlyList<(string Scope, string State, int Count)> BreakerCounts()
    {
        lock (_gate)
        {
            if (!_initialized) return [];
            return AllBreakers().Select(b => (Scope: b.Scope.ToString().ToLowerInvariant(), State: State(b.State)))
                .GroupBy(x => x).Select(g => (g.Key.Scope, g.Key.State, g.Count())).ToList();
        }
    }

    /// <summary>A technician closes a zone or resource breaker: the shedding it caused ends now.</summary>
    private void BreakerReset(CircuitBreaker b)
    {
        if (_zones.Find(z => z.Breaker == b) is { } z)
        {
            var before = z.Shed;
            z.Shed = new(StringComparer.Ordinal);
            SaveRotation(z);
            foreach (var h in before) Evaluate(_store.Current.Household(h), z.Zone.Resource);
            return;
        }
        foreach (var (resource, r) in _resources.Where(r => r.Value.Breaker == b))
        {
            (r.BreakerSeen, r.BreakerCut) = (BreakerState.Closed, false);
            foreach (var h in _store.Current.Households) Evaluate(h, resource);
        }
    }

    private static string BreakerWhy(ResourceRuntime rr) =>
        string.Create(CultureInfo.InvariantCulture, $"curtailed: {rr.Policy.Resource.Name()} breaker open ({rr.Breaker?.Reason})");
}
