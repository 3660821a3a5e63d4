using Commons.Metering.Gateway.Domain;
using System.Text.Json;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Dashboard;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Dashboard.Tests.Dashboard;

/// <summary>Commands on the breakers page say their amounts in the meter's units, and the API keeps
/// every amount raw with its base unit.</summary>
public sealed class CommandAmountsTests
{
    private static CommandView View(Command wire, string detail) =>
        new("g1", "w-h01", wire.Op, detail, DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, 1, "sent", null, null, null, null) { Wire = wire };

    [Fact]
    public void AnAllowance_IsSaidInLitresPerDay_AndKeptRawInMillilitres()
    {
        var wire = new Command("g1", 0, "allowance", Channel: "kitchen", Limit: 400_000, PeriodS: 86_400, Used: 1_234, UseClass: "essential");
        var view = View(wire, "kitchen limit 400000 per 86400 s (essential, used 1234)");
        Assert.Equal("kitchen limit 400 L per day (essential, used 1.2 L)", CommandAmounts.Detail(view, Resource.Water));
        var raw = JsonSerializer.Serialize(CommandAmounts.Raw(view, Resource.Water));
        Assert.Equal("""{"limit":{"value":400000,"unit":"mL"},"used":{"value":1234,"unit":"mL"},"periodS":86400}""", raw);
        // A monthly energy allowance: kWh, the period said in days.
        var energy = View(wire with { Limit = 480_000, PeriodS = 30 * 86_400, Used = null, UseClass = null }, "x");
        Assert.Equal("kitchen limit 480 kWh per 30 days", CommandAmounts.Detail(energy, Resource.Energy));
    }

    [Fact]
    public void ASafetyCommand_SaysItsBurstPerMinute_AndAnUnknownMeterKeepsTheRuntimesDetail()
    {
        var view = View(new Command("g2", 0, "safety", Channel: "main", LeakS: 120, BurstPerMin: 30_000), "main leak 120 s, burst 30000/min");
        Assert.Equal("main leak after 120 s, burst above 30 L/min", CommandAmounts.Detail(view, Resource.Water));
        Assert.Equal("""{"burstPerMinute":{"value":30000,"unit":"mL"},"leakS":120}""", JsonSerializer.Serialize(CommandAmounts.Raw(view, Resource.Water)));
        Assert.Equal("main leak 120 s, burst 30000/min", CommandAmounts.Detail(view, null));
        Assert.Null(CommandAmounts.Raw(view, null));
        var valve = View(new Command("g3", 0, "valve", Channel: "main", State: "closed"), "main closed");
        Assert.Equal("main closed", CommandAmounts.Detail(valve, Resource.Water));
        Assert.Null(CommandAmounts.Raw(valve, Resource.Water));
    }
}
