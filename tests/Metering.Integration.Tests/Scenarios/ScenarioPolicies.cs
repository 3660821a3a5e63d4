namespace Commons.Metering.Tests.Scenarios;

/// <summary>The village of the water scenarios: a garden meter (discretionary), a laundry meter (standard)
/// and a kitchen meter (essential, a large floor: 100 persons), a reservoir gauge with three stages.</summary>
internal static class ScenarioPolicies
{
    internal const string ThreeHouseholds = """
        version: 1
        community: scen
        council: { k: 2, members: [amina, bruno, chen] }
        households:
          - id: garden
            persons: 2
            meters: [{ id: w-0001, resource: water, channels: [{ id: main, use: discretionary }] }]
          - id: laundry
            persons: 2
            meters: [{ id: w-0002, resource: water, channels: [{ id: main, use: standard }] }]
          - id: kitchen
            persons: 100
            meters: [{ id: w-0003, resource: water, channels: [{ id: main, use: essential }] }]
        shared_meters:
          - { id: reservoir, resource: water, channels: [level_mm] }
        resources:
          water:
            period: day
            cap: 20_000_000
            floor_per_person: 50_000
            sharing: per_person
            stage_rules: { stale_after_minutes: 5 }   # the reservoir gauge silent 5 min holds the stage
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
