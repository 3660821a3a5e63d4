using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>Every breaker of the community (docs/design.md rule 3) and what of them survives a restart: the
/// channel breakers (each channel's <see cref="ChannelSafety"/>), the zone breakers with the rotation they
/// drive (owned here, one <see cref="ZoneRuntime"/> per zone) and the resource breakers (each
/// <see cref="ResourceRuntime"/>'s, with its use window). The runtime builds the channels and resources and
/// hands them over (<see cref="Rebuild"/>); the board never decides a channel itself: what it changed comes
/// back as the households or resources to decide again. Not thread-safe: used under the runtime's lock.</summary>
internal sealed partial class BreakerBoard(ICommonsStore db, TimeProvider time, ILogger logger, CommonsMetrics? metrics)
{
    private List<ZoneRuntime> _zones = [];
    private IReadOnlyDictionary<Resource, ResourceRuntime> _resources = new Dictionary<Resource, ResourceRuntime>();
    private IReadOnlyDictionary<string, ChannelRuntime> _channels = new Dictionary<string, ChannelRuntime>(StringComparer.Ordinal);

    internal static string ZoneBreakerId(string zoneId) => "zone:" + zoneId;

    internal static string ResourceBreakerId(Resource r) => "resource:" + r.Name();

    /// <summary>The zone and resource breakers in force, by id, so that a rebuild keeps those that still exist.</summary>
    public Dictionary<string, CircuitBreaker> SharedBreakers() =>
        _resources.Values.Select(r => r.Breaker).Concat(_zones.Select(z => z.Breaker)).OfType<CircuitBreaker>()
            .ToDictionary(b => b.Id, StringComparer.Ordinal);

    /// <summary>Takes over the runtime's rebuilt resources and channels and builds the zones of
    /// <paramref name="zones"/> with the breakers <paramref name="breaker"/> gives (kept or new); each zone's
    /// rotation, and each kept resource breaker's last seen state, is restored.</summary>
    public void Rebuild(IReadOnlyDictionary<Resource, ResourceRuntime> resources, IReadOnlyDictionary<string, ChannelRuntime> channels,
        IEnumerable<Zone> zones, Func<string, BreakerScope, CircuitBreaker> breaker, IReadOnlyDictionary<string, CircuitBreaker> kept, DateTimeOffset now)
    {
        (_resources, _channels) = (resources, channels);
        _zones = zones.Select(z => new ZoneRuntime(z, breaker(ZoneBreakerId(z.Id), BreakerScope.Zone)) { SlotEnd = SlotBoundary(now, z.RotationSlotMinutes) }).ToList();
        foreach (var z in _zones) RestoreRotation(z, now);
        foreach (var r in _resources.Values.Where(r => r.Breaker is { } b && kept.ContainsKey(b.Id)))
            (r.BreakerSeen, r.BreakerCut) = (r.Breaker!.State, r.Breaker.State == BreakerState.Open);
    }

    public CircuitBreaker? Find(string id) =>
        _channels.TryGetValue(id, out var c) ? c.Safety?.Breaker
        : _zones.Find(z => z.Breaker.Id == id)?.Breaker
        ?? _resources.Values.FirstOrDefault(r => r.Breaker?.Id == id)?.Breaker;

    public IEnumerable<CircuitBreaker> All() =>
        _channels.Values.Select(c => c.Safety?.Breaker).OfType<CircuitBreaker>()
            .Concat(_zones.Select(z => z.Breaker))
            .Concat(_resources.Values.Select(r => r.Breaker).OfType<CircuitBreaker>());

    /// <summary>True while a zone of <paramref name="resource"/> sheds the household in its rotation.</summary>
    public bool IsShed(string household, Resource resource) =>
        _zones.Count > 0 && _zones.Any(z => z.Zone.Resource == resource && z.Shed.Contains(household));

    /// <summary>The minutes the rotation of the household's zones of <paramref name="resource"/> cut it.</summary>
    public long RotationMinutes(string household, Resource resource) =>
        _zones.Where(z => z.Zone.Resource == resource).Sum(z => z.Scheduler.MinutesLost.GetValueOrDefault(household));

    /// <summary>Persists and counts a breaker's transition (the audit sink hands each over: id, audit kind).</summary>
    public void Changed(string id, string kind)
    {
        if (Find(id) is not { } b) return;
        var scope = b.Scope.ToString().ToLowerInvariant();
        metrics?.CountBreakerTransition(scope, kind.StartsWith("breaker.", StringComparison.Ordinal) ? kind["breaker.".Length..] : kind);
        db.SaveBreaker(id, b.State.ToString(), b.Reason, b.Safety?.ToString(), b.NeedsTechnician, b.Since.ToUnixTimeMilliseconds(),
            b.OpenUntil.ToUnixTimeMilliseconds(), b.RecentTrips);
    }

    /// <summary>Breakers of every scope as they were before a restart (no new audit record).</summary>
    public void Restore()
    {
        foreach (var b in db.Breakers())
        {
            if (!Enum.TryParse<BreakerState>(b.State, out var state) || state == BreakerState.Closed || Find(b.Id) is not { } breaker) continue;
            SafetyReason? safety = Enum.TryParse<SafetyReason>(b.Safety, ignoreCase: true, out var s) ? s : null;
            breaker.Restore(b.Reason, safety, b.Technician, DateTimeOffset.FromUnixTimeMilliseconds(b.SinceMs), state,
                b.UntilMs is { } u ? DateTimeOffset.FromUnixTimeMilliseconds(u) : null, b.Trips);
        }
        var now = time.GetUtcNow();
        foreach (var r in _resources.Values.Where(r => r.Breaker is not null))
        {
            r.BreakerSeen = r.Breaker!.State;
            r.BreakerCut = r.BreakerSeen == BreakerState.Open;
            // The use window is empty after a start: a probe needs a whole window of fresh readings.
            r.ProbeAt = now + TimeSpan.FromMinutes(r.Policy.Breaker!.WindowMinutes);
        }
    }

    /// <summary>A technician closed a zone or resource breaker: the shedding it caused ends now. Returns the
    /// households (null: every household) to decide again for the resource.</summary>
    public (IReadOnlyList<string>? Households, Resource Resource)? Reset(CircuitBreaker b)
    {
        if (_zones.Find(z => z.Breaker == b) is { } z)
        {
            var before = z.Shed;
            z.Shed = new(StringComparer.Ordinal);
            SaveRotation(z);
            return ([.. before], z.Zone.Resource);
        }
        foreach (var (resource, r) in _resources.Where(r => r.Value.Breaker == b))
        {
            (r.BreakerSeen, r.BreakerCut) = (BreakerState.Closed, false);
            return (null, resource);
        }
        return null;
    }

    public IReadOnlyList<BreakerView> Views()
    {
        var channels = _channels.Values.Where(c => c.Safety is not null).Select(c =>
        {
            var b = c.Safety!.Breaker;
            return new BreakerView(b.Id, b.Scope.ToString().ToLowerInvariant(), StateName(b.State), b.Reason, b.Safety?.ToString().ToLowerInvariant(),
                b.NeedsTechnician, b.Since, c.Meter.Id, c.Channel.Id);
        });
        // Zone and resource breakers have no meter or channel.
        var shared = _zones.Select(z => z.Breaker).Concat(_resources.Values.Select(r => r.Breaker).OfType<CircuitBreaker>())
            .Select(b => new BreakerView(b.Id, b.Scope.ToString().ToLowerInvariant(), StateName(b.State), b.Reason, null, b.NeedsTechnician, b.Since, null, null));
        return channels.Concat(shared).OrderBy(b => b.State == "closed").ThenBy(b => b.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>Non-closed breakers per (scope, state), for the metrics.</summary>
    public IReadOnlyList<(string Scope, string State, int Count)> NotClosedCounts() =>
        All().Select(b => (Scope: b.Scope.ToString().ToLowerInvariant(), State: StateName(b.State)))
            .GroupBy(x => x).Select(g => (g.Key.Scope, g.Key.State, g.Count())).ToList();

    internal static string StateName(BreakerState s) => s == BreakerState.HalfOpen ? "half_open" : s.ToString().ToLowerInvariant();

    internal static string BreakerWhy(ResourceRuntime rr) =>
        string.Create(CultureInfo.InvariantCulture, $"curtailed: {rr.Policy.Resource.Name()} breaker open ({rr.Breaker?.Reason})");
}
