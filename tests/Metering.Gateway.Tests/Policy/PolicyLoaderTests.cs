using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class PolicyLoaderTests
{
    [Fact]
    public void VillageExample_LoadsWithEveryField()
    {
        var r = PolicyLoader.LoadFile(PolicyFiles.VillagePath);
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        var p = r.Policy!;
        Assert.Equal(("riverside", 2, 3), (p.Community, p.Council.K, p.Council.N));
        Assert.Equal(TimeSpan.FromHours(3), p.UtcOffset);
        Assert.Equal(TimeSpan.FromHours(72), p.EmergencyMaxDuration);
        Assert.Equal([4, 2, 6], p.Households.Select(h => h.Persons));
        Assert.Equal(UseClass.Discretionary, p.Household("h01").Meters[1].Channels[2].Use);
        var water = p.Resource(Resource.Water);
        Assert.Equal((PolicyPeriod.Day, 1_500_000L, 50_000L, SharingRule.PerPerson, (long?)400_000),
            (water.Period, water.CapPerPeriod, water.FloorPerPersonPerPeriod, water.Sharing, water.CeilingPerHouseholdPerPeriod));
        Assert.Equal(2, water.FriendlyHours.Length);
        Assert.Equal((120, (long?)30_000), (water.Safety.LeakMinutes, water.Safety.BurstMaxPerMinute));
        Assert.Equal([1, 2, 3], water.Stages.Select(s => s.Stage));
        Assert.Equal(new StageTrigger("reservoir", "level_mm", TriggerDirection.Below, 800, 100), water.Stages[1].Trigger);
        Assert.Empty(water.CurtailedAt(0));
        Assert.True(water.CurtailedAt(3).SetEquals([UseClass.Discretionary, UseClass.Standard, UseClass.Essential]));
        var energy = p.Resource(Resource.Energy);
        Assert.Empty(energy.CurtailedAt(1)); // no stage 1 configured: nothing curtailed yet
        Assert.True(energy.CurtailedAt(3).SetEquals([UseClass.Discretionary])); // stage 3 inherits stage 2
        Assert.Equal(PolicyDefaults.RestrictionCurtails, energy.Sanctions.RestrictionCurtails);
        Assert.Equal(20_000_000, p.Resource(Resource.Forest).CapPerPeriod); // 20 t in grams
        Assert.Equal(500_000, p.Resource(Resource.Forest).FloorPerPersonPerPeriod); // 500 kg
        Assert.Equal(new[] { "h01", "h02" }, p.Zones.Single().Households);
        Assert.Equal((500L, 15), (energy.Breaker!.CapacityPerMinute, energy.Breaker.WindowMinutes));
        Assert.True(energy.Breaker.Curtails.SetEquals([UseClass.Discretionary, UseClass.Standard]));
        Assert.Null(water.Breaker); // the section is optional: without it there is no resource breaker
    }

    [Fact]
    public void ResourceBreaker_WithOnlyItsCapacity_TakesTheDefaults()
    {
        var yaml = PolicyFiles.Village.Replace("      window_minutes: 15        # averaged over 15 min (a kettle's spike does not trip it)\n", "")
            .Replace("      curtails: [discretionary, standard]   # while open; never an essential channel under its floor\n", "");
        var r = PolicyLoader.Parse(yaml, "v.yaml");
        Assert.True(r.Ok, string.Join("\n", r.Errors));
        var b = r.Policy!.Resource(Resource.Energy).Breaker!;
        Assert.Equal((PolicyDefaults.ResourceBreakerWindowMinutes, PolicyDefaults.ResourceBreakerCurtails), (b.WindowMinutes, b.Curtails));
    }

    [Fact]
    public void ResourceBreaker_WithoutItsCapacity_IsRefusedAtTheSection()
    {
        var yaml = PolicyFiles.Village.Replace("      capacity_per_minute: 500  # 30 kW inverter = 500 Wh per minute\n", "");
        var e = Assert.Single(PolicyLoader.Parse(yaml, "v.yaml").Errors);
        Assert.Equal(("resources.energy.breaker.capacity_per_minute", PolicyFiles.LineOf(yaml, "    breaker:") + 1), (e.Field, e.Line));
        Assert.Contains("required", e.Message);
    }

    /// <summary>Each case breaks the valid example in one place; the error must name that line and field.</summary>
    [Theory]
    [InlineData("version: 1", "version: 2", "version", "reads version 1")]
    [InlineData("  k: 2", "  k: 4", "council.k", "k must be <= n")]
    [InlineData("  k: 2", "  k: two", "council.k", "whole number")]
    [InlineData("members: [amina, bruno, chen]", "members: [amina, bruno, amina]", "council.members", "'amina' appears 2 times")]
    [InlineData("    persons: 2", "    persons: 0", "households[1].persons", "between 1 and")]
    [InlineData("    persons: 2", "    people: 2", "households[1].people", "not a known field")]
    [InlineData("{ id: garden,  use: discretionary }", "{ id: garden,  use: luxury }", "households[0].meters[0].channels[1].use", "must be one of")]
    [InlineData("{ id: garden,  use: discretionary }", "{ id: kitchen,  use: standard }", "households[0].meters[0].channels", "'kitchen' appears 2 times")]
    [InlineData("- id: w-h02", "- id: w-h01", "households[1].meters[0].id", "meter 'w-h01' is listed 2 times")]
    [InlineData("    period: day", "    period: fortnight", "resources.water.period", "day, week, month, season, year")]
    [InlineData("    cap: 1_500_000", "    cap: 1.5e6", "resources.water.cap", "whole number")]
    [InlineData("    cap: 1_500_000", "    cap: -5", "resources.water.cap", "between 0 and")]
    [InlineData("    sharing: per_person", "    sharing: equal", "resources.water.sharing", "per_household, per_person")]
    [InlineData("    ceiling: 400_000", "    ceiling: 250_000", "resources.water.ceiling", "household 'h03' has a floor of 300000 mL")]
    [InlineData("{ from: \"06:00\", to: \"08:00\" }", "{ from: \"6am\", to: \"08:00\" }", "resources.water.friendly_hours[0].from", "time of day")]
    [InlineData("quota_curtails: [discretionary, standard]", "quota_curtails: [standard]", "resources.water.quota_curtails", "shedding order")]
    [InlineData("throttle_percent: 110,", "throttle_percent: 90,", "resources.water.sanctions", "must rise")]
    [InlineData("leak_minutes: 120", "leak_minutes: 0", "resources.water.safety.leak_minutes", "between 1 and")]
    [InlineData("below: 800,", "below: 1300,", "resources.water.stages[1].trigger.threshold", "further below than stage 1's 1200")]
    [InlineData("        curtails: [discretionary, standard]\n", "        curtails: [standard, essential]\n", "resources.water.stages[1].curtails", "shedding order")]
    [InlineData("        curtails: [discretionary, standard, essential]", "        curtails: [discretionary]", "resources.water.stages[2].curtails", "must include everything stage 2")]
    [InlineData("      - stage: 3", "      - stage: 2", "resources.water.stages[2].stage", "rising order")]
    [InlineData("{ meter: reservoir, channel: level_mm, below: 400", "{ meter: tank, channel: level_mm, below: 400", "resources.water.stages[2].trigger.meter", "'tank' is not a meter")]
    [InlineData("{ meter: reservoir, channel: level_mm, below: 400", "{ meter: reservoir, channel: depth, below: 400", "resources.water.stages[2].trigger.channel", "'depth' is not a channel")]
    [InlineData("below: 400, hysteresis", "below: 400, above: 10, hysteresis", "resources.water.stages[2].trigger", "exactly one of")]
    [InlineData("    households: [h01, h02]", "    households: [h01, h09]", "zones[0].households", "'h09' is not a household")]
    [InlineData("    max_spread_minutes: 15", "    max_spread_minutes: 10", "zones[0].max_spread_minutes", "within one slot")]
    [InlineData("utc_offset: \"+03:00\"", "utc_offset: \"3h\"", "utc_offset", "+03:00")]
    [InlineData("  max_duration_hours: 72", "  max_duration_hours: 0", "emergency.max_duration_hours", "between 1 and")]
    [InlineData("capacity_per_minute: 500 ", "capacity_per_minute: 0 ", "resources.energy.breaker.capacity_per_minute", "between 1 and")]
    [InlineData("capacity_per_minute: 500 ", "capacity_per_min: 500 ", "resources.energy.breaker.capacity_per_min", "not a known field")]
    [InlineData("window_minutes: 15 ", "window_minutes: 0 ", "resources.energy.breaker.window_minutes", "between 1 and")]
    [InlineData("curtails: [discretionary, standard]   #", "curtails: [standard]   #", "resources.energy.breaker.curtails", "shedding order")]
    [InlineData("curtails: [discretionary, standard]   #", "curtails: []   #", "resources.energy.breaker.curtails", "at least discretionary")]
    public void InvalidField_ErrorNamesFileLineAndField(string valid, string broken, string field, string says)
    {
        var yaml = PolicyFiles.Village;
        Assert.Contains(valid, yaml);
        var bad = ReplaceFirst(yaml, valid, broken);
        var r = PolicyLoader.Parse(bad, "village.yaml");
        Assert.False(r.Ok);
        Assert.Null(r.Policy);
        var e = Assert.Single(r.Errors, x => x.Field == field);
        Assert.Equal("village.yaml", e.File);
        Assert.Equal(yaml[..yaml.IndexOf(valid, StringComparison.Ordinal)].Count(c => c == '\n') + 1, e.Line);
        Assert.Contains(says, e.Message);
        Assert.StartsWith($"village.yaml:{e.Line}:", e.ToString());
    }

    [Theory]
    [InlineData("community: riverside\n", "community")]
    [InlineData("    floor_per_person: 50_000    # 50 L/person/day: WHO basic access (Howard et al. 2020)\n", "resources.water.floor_per_person")]
    [InlineData("  k: 2\n", "council.k")]
    public void MissingRequiredField_IsNamed(string removed, string field)
    {
        var bad = ReplaceFirst(PolicyFiles.Village, removed, "");
        var r = PolicyLoader.Parse(bad, "village.yaml");
        Assert.Contains(r.Errors, e => e.Field == field && e.Message.Contains("required"));
    }

    [Fact]
    public void MeterOfAResourceWithoutSection_IsRejected()
    {
        var bad = PolicyFiles.Village.Replace("  forest:\n    period: year", "  forestry_unused:\n    period: year");
        var r = PolicyLoader.Parse(bad, "v.yaml");
        Assert.Contains(r.Errors, e => e.Field == "households[2].meters[1].resource" && e.Message.Contains("no forest section")
            && e.Line == PolicyFiles.LineOf(bad, "resource: forest"));
        Assert.Contains(r.Errors, e => e.Field == "resources.forestry_unused" && e.Message.Contains("not a known field"));
    }

    [Fact]
    public void SyntaxError_ReportsTheLineOfTheParser()
    {
        var bad = PolicyFiles.Village.Replace("    persons: 2", "    persons: [2");
        var r = PolicyLoader.Parse(bad, "village.yaml");
        var e = Assert.Single(r.Errors);
        Assert.Equal("(syntax)", e.Field);
        Assert.True(e.Line >= PolicyFiles.LineOf(bad, "persons: [2"), e.ToString());
    }

    [Fact]
    public void DuplicateKey_IsASyntaxError()
    {
        var bad = PolicyFiles.Village.Replace("community: riverside", "community: riverside\ncommunity: other");
        var r = PolicyLoader.Parse(bad, "village.yaml");
        Assert.False(r.Ok);
        Assert.Equal(PolicyFiles.LineOf(bad, "community: other"), Assert.Single(r.Errors).Line);
    }

    [Fact]
    public void SeveralErrors_AreAllReported()
    {
        var bad = PolicyFiles.Village.Replace("  k: 2", "  k: 9").Replace("    persons: 2", "    persons: -1").Replace("period: month", "period: moon");
        var r = PolicyLoader.Parse(bad, "village.yaml");
        Assert.Equal(["council.k", "households[1].persons", "resources.energy.period"], r.Errors.Select(e => e.Field).Order());
    }

    [Theory]
    [InlineData("", "(document)", "exactly one YAML document")]
    [InlineData("just text", "(document)", "must be a mapping")]
    [InlineData("version: 1\n---\nversion: 1\n", "(document)", "exactly one YAML document")]
    public void NotAPolicyShapedDocument_IsRefused(string yaml, string field, string says)
    {
        var r = PolicyLoader.Parse(yaml, "p.yaml");
        Assert.False(r.Ok);
        Assert.Contains(r.Errors, e => e.Field == field && e.Message.Contains(says));
    }

    [Fact]
    public void ListExpectedButMappingGiven_IsNamed()
    {
        var bad = PolicyFiles.Village.Replace("  members: [amina, bruno, chen]", "  members: {amina: 1}");
        var e = Assert.Single(PolicyLoader.Parse(bad, "v.yaml").Errors);
        Assert.Equal(("council.members", "must be a list", PolicyFiles.LineOf(bad, "members: {")), (e.Field, e.Message, e.Line));
    }

    [Fact]
    public void MissingFile_IsAnErrorNamingTheFile()
    {
        var r = PolicyLoader.LoadFile("/nonexistent/policy.yaml");
        Assert.Equal("/nonexistent/policy.yaml", Assert.Single(r.Errors).File);
    }

    private static string ReplaceFirst(string s, string what, string with)
    {
        var i = s.IndexOf(what, StringComparison.Ordinal);
        return s[..i] + with + s[(i + what.Length)..];
    }
}
