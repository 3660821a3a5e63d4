using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Commons;

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

/// <summary>One resource's runtime: its stage monitor, allowance table and current period.</summary>
internal sealed class ResourceRuntime(ResourcePolicy policy, StageMonitor stages, AllowanceTable allowances)
{
    public ResourcePolicy Policy { get; } = policy;
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

/// <summary>One zone's rotation: the scheduler, the current slot and what was measured in it.</summary>
internal sealed class ZoneRuntime(Zone zone)
{
    public RotationScheduler Scheduler { get; } = new(zone);
    public Zone Zone => Scheduler.Zone;
    public DateTimeOffset SlotEnd { get; set; }
    public HashSet<string> Shed { get; set; } = new(StringComparer.Ordinal);
    public long LoadInSlot { get; set; }
    public Dictionary<string, long> DiscretionaryInSlot { get; } = new(StringComparer.Ordinal);

    /// <summary>Each household's discretionary load per minute when last measured unshed.</summary>
    public Dictionary<string, long> SheddableLoad { get; } = new(StringComparer.Ordinal);
}
