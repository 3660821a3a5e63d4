using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>One household channel the policy names, as the runtime tracks it.</summary>
internal sealed class ChannelRuntime(Household household, Meter meter, Channel channel, ChannelSafety? safety)
{
    public Household Household { get; } = household;
    public Meter Meter { get; } = meter;
    public Channel Channel { get; } = channel;
    public ChannelSafety? Safety { get; } = safety;
    public Resource Resource => Meter.Resource;
    public string Key { get; } = meter.Id + "/" + channel.Id;

    /// <summary>The command key of its actuator (meter/channel/valve|relay), null without one.</summary>
    public string? ActuatorKey { get; } = meter.Resource is Resource.Water or Resource.Energy
        ? meter.Id + "/" + channel.Id + "/" + (meter.Resource == Resource.Water ? "valve" : "relay") : null;
    public long? LastRegister { get; set; }
    public long LastTsMs { get; set; }
    public ChannelDecision? Decision { get; set; }

    /// <summary>The actuator a channel of this resource has (water valve, energy relay), null for forest.</summary>
    public string? Actuator => Resource switch { Resource.Water => "valve", Resource.Energy => "relay", _ => null };

    /// <summary>docs/protocol.md: a valve cuts when "closed", a relay when "open" (breaks the circuit).</summary>
    public string ActuatorValue(bool cut) => Actuator == "relay" ? (cut ? "open" : "closed") : (cut ? "closed" : "open");
}

/// <summary>One resource's runtime: its stage monitor, allowance table, current period and, when the policy
/// has a <c>breaker</c> section, its resource breaker with the community's use over the breaker's window.</summary>
internal sealed class ResourceRuntime(ResourcePolicy policy, StageMonitor stages, AllowanceTable allowances, CircuitBreaker? breaker)
{
    public ResourcePolicy Policy { get; } = policy;
    public CircuitBreaker? Breaker { get; } = breaker;
    public UseWindow? Use { get; } = policy.Breaker is { } b ? new UseWindow(b.WindowMinutes) : null;

    /// <summary>True while the use is over the supply by one device's word only (logged once per episode).</summary>
    public bool Uncorroborated { get; set; }

    /// <summary>The breaker's curtailment as last applied to the decisions (true while it is open).</summary>
    public bool BreakerCut { get; set; }

    /// <summary>The breaker state the runtime last acted on, and when the next half-open probe is read.</summary>
    public BreakerState BreakerSeen { get; set; }
    public DateTimeOffset ProbeAt { get; set; }
    public StageMonitor Stages { get; } = stages;
    public AllowanceTable Allowances { get; } = allowances;
    public DateTimeOffset PeriodStart { get; set; }
    public DateTimeOffset PeriodEnd { get; set; }
    public string StageReason { get; set; } = "normal";

    private readonly Dictionary<string, HouseholdAllowance> _byHousehold = allowances.Households.ToDictionary(h => h.HouseholdId, StringComparer.Ordinal);

    /// <summary>AllowanceTable.Status without its linear search (called for every reading).</summary>
    public AllowanceStatus Status(string householdId, long used)
    {
        var h = _byHousehold[householdId];
        return new AllowanceStatus(h.HouseholdId, used, h.FloorAmount, h.Allowance);
    }
}

/// <summary>One zone's breaker and rotation: the scheduler, the current slot and what was measured in it.</summary>
internal sealed class ZoneRuntime(Zone zone, CircuitBreaker breaker)
{
    public RotationScheduler Scheduler { get; } = new(zone);
    public CircuitBreaker Breaker { get; } = breaker;
    public Zone Zone => Scheduler.Zone;
    public DateTimeOffset SlotEnd { get; set; }
    public HashSet<string> Shed { get; set; } = new(StringComparer.Ordinal);
    public long LoadInSlot { get; set; }

    /// <summary>The slot's load per meter (<see cref="Corroboration"/>).</summary>
    public Dictionary<string, long> LoadByMeterInSlot { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, long> DiscretionaryInSlot { get; } = new(StringComparer.Ordinal);

    /// <summary>Each household's discretionary load per minute when last measured unshed.</summary>
    public Dictionary<string, long> SheddableLoad { get; } = new(StringComparer.Ordinal);
}

/// <summary>A resource's use per minute over a sliding window, from register rises spread evenly over the
/// time between a channel's readings (a reading after a long gap does not look like a burst), kept per
/// device so that a breaker can tell a load many devices report from one device's word (<see cref="Corroboration"/>).</summary>
internal sealed class UseWindow(int windowMinutes)
{
    private const long MinuteMs = 60_000;
    private readonly Dictionary<string, SortedDictionary<long, long>> _bySource = new(StringComparer.Ordinal);

    public int WindowMinutes { get; } = windowMinutes;

    public void Add(string source, long fromMs, long toMs, long amount)
    {
        if (amount <= 0 || toMs <= fromMs) return;
        if (!_bySource.TryGetValue(source, out var byMinute)) _bySource[source] = byMinute = [];
        var last = (toMs - 1) / MinuteMs;
        // Only the window's minutes can ever be read: older parts of a long gap are not kept.
        for (var m = Math.Max(fromMs / MinuteMs, last - WindowMinutes); m <= last; m++)
        {
            var overlap = Math.Min(toMs, (m + 1) * MinuteMs) - Math.Max(fromMs, m * MinuteMs);
            byMinute[m] = byMinute.GetValueOrDefault(m) + (long)((Int128)amount * overlap / (toMs - fromMs));
        }
    }

    /// <summary>Average use per minute over the window that ends in the current minute.</summary>
    public long PerMinute(DateTimeOffset now) => BySource(now).Values.Sum() / WindowMinutes;

    /// <summary>As <see cref="PerMinute"/>, with the largest device's share lowered to the second largest's.</summary>
    public long CorroboratedPerMinute(DateTimeOffset now) => Corroboration.Corroborated(BySource(now).Values) / WindowMinutes;

    /// <summary>Each device's use within the window that ends in the current minute (older minutes are dropped).</summary>
    public Dictionary<string, long> BySource(DateTimeOffset now)
    {
        var current = now.ToUnixTimeMilliseconds() / MinuteMs;
        var sums = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var (source, byMinute) in _bySource.ToList())
        {
            while (byMinute.Count > 0 && byMinute.First().Key <= current - WindowMinutes) byMinute.Remove(byMinute.First().Key);
            if (byMinute.Count == 0)
            {
                _bySource.Remove(source);
                continue;
            }
            long sum = 0;
            foreach (var (m, amount) in byMinute)
                if (m <= current) sum += amount;
            sums[source] = sum;
        }
        return sums;
    }
}
