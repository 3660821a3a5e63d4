namespace Commons.Metering.Gateway.Tests.Commons;

/// <summary>A small water policy for the runtime tests: two households, a reservoir with three stages,
/// leak after 10 min, burst over 30 L/min, council 2 of 3, emergencies of at most 6 h.</summary>
internal static class TestPolicy
{
    public const string Yaml = """
        version: 1
        community: testville
        council: { k: 2, members: [amina, bruno, chen] }
        emergency: { max_duration_hours: 6 }
        households:
          - id: h1
            persons: 2
            meters:
              - id: w-h1
                resource: water
                channels:
                  - { id: kitchen, use: essential }
                  - { id: garden, use: discretionary }
          - id: h2
            persons: 4
            meters:
              - id: w-h2
                resource: water
                channels:
                  - { id: kitchen, use: essential }
                  - { id: laundry, use: standard }
        shared_meters:
          - { id: reservoir, resource: water, channels: [level_mm] }
        resources:
          water:
            period: day
            cap: 1_000_000
            floor_per_person: 50_000
            sharing: per_person
            safety: { leak_minutes: 10, burst_max_per_minute: 30_000 }
            stages:
              - stage: 1
                trigger: { meter: reservoir, channel: level_mm, below: 1200, hysteresis: 100 }
                curtails: [discretionary]
              - stage: 2
                trigger: { meter: reservoir, channel: level_mm, below: 800, hysteresis: 100 }
                curtails: [discretionary, standard]
              - stage: 3
                trigger: { meter: reservoir, channel: level_mm, below: 400, hysteresis: 100 }
                curtails: [discretionary, standard, essential]
        """;
}
