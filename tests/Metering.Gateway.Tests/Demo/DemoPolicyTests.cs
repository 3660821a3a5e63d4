using Commons.Metering.Gateway.Demo;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Tests.Demo;

/// <summary>`--demo` runs under a generated policy: it must load without errors and name exactly the
/// meters the demo fleet registers, each under the resource the fleet gives it.</summary>
public sealed class DemoPolicyTests
{
    [Theory]
    [InlineData(30)]
    [InlineData(1)]
    [InlineData(7)]
    public void GeneratedPolicy_Loads_AndHoldsEveryDemoMeterOnce(int meters)
    {
        var options = new GatewayOptions();
        options.Demo.SimulatedMeters = meters;
        var fleet = DemoFleetService.FleetOptionsFor(options);

        var loaded = PolicyLoader.Parse(DemoPolicy.Yaml(fleet), DemoPolicy.FileName);

        Assert.True(loaded.Ok, string.Join("\n", loaded.Errors));
        var policy = loaded.Policy!;
        Assert.Equal(DemoFleetService.Community, policy.Community);
        var inPolicy = policy.Households.SelectMany(h => h.Meters).Select(m => (m.Id, m.Resource)).Order().ToList();
        var inFleet = DemoFleetService.Meters(fleet).Select(m => (m.Id, m.Resource)).Order().ToList();
        Assert.Equal(inFleet, inPolicy);
        Assert.Equal(DemoPolicy.Council, policy.Council.Members);
    }

    [Fact]
    public void GeneratedPolicy_ForestAmounts_AreKilogramsAsItsCommentSays()
    {
        var options = new GatewayOptions();
        options.Demo.SimulatedMeters = 3;
        var forest = PolicyLoader.Parse(DemoPolicy.Yaml(DemoFleetService.FleetOptionsFor(options)), DemoPolicy.FileName).Policy!
            .Resource(global::Commons.Metering.Gateway.Domain.Resource.Forest);
        // 500 kg/person/year for cooking and heat, a cap of 1.5 t per person (grams are the base unit).
        Assert.Equal(500_000, forest.FloorPerPersonPerPeriod);
        Assert.Equal(1_500_000, forest.CapPerPeriod);
    }
}
