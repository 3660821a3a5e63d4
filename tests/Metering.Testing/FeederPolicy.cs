namespace Commons.Metering.Testing;

/// <summary>The community policy (YAML) of the energy-feeder tests: households of 2 persons, one energy
/// meter each with the given channels, a monthly per-household allowance, and one feeder zone over all
/// of them with rotation slots and a bound on the spread of curtailed minutes.</summary>
public static class FeederPolicy
{
    public static string Yaml(string community, IReadOnlyList<(string Household, string Meter)> households,
        IReadOnlyList<(string Channel, string Use)> channels, long capacityPerMinute, int slotMinutes, int maxSpreadMinutes)
    {
        var meterChannels = string.Join(", ", channels.Select(c => $"{{ id: {c.Channel}, use: {c.Use} }}"));
        var lines = households.Select(h => $"  - {{ id: {h.Household}, persons: 2, meters: [{{ id: {h.Meter}, resource: energy, channels: [{meterChannels}] }}] }}");
        return $$"""
            version: 1
            community: {{community}}
            council: { k: 1, members: [amina] }
            households:
            {{string.Join("\n", lines)}}
            resources:
              energy:
                period: month
                cap: 100_000_000
                floor_per_person: 30_000
                sharing: per_household
            zones:
              - { id: feeder, resource: energy, capacity_per_minute: {{capacityPerMinute}}, households: [{{string.Join(", ", households.Select(h => h.Household))}}], rotation_slot_minutes: {{slotMinutes}}, max_spread_minutes: {{maxSpreadMinutes}} }
            """;
    }
}
