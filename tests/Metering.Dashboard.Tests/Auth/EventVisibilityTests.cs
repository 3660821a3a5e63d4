using System.Security.Claims;
using Commons.Metering.Gateway.Auth;
using Commons.Metering.Gateway.Dashboard;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Dashboard.Tests.Auth;

/// <summary>What each role's event stream carries (EventsEndpoint.For): household data only to its household.</summary>
public sealed class EventVisibilityTests
{
    private static readonly PolicyStore Policy = Load();
    private static readonly DateTimeOffset At = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly LiveEvent Reading = new("reading", "reading 7 of w-h01", At, "w-h01", new Dictionary<string, long> { ["kitchen"] = 42 });

    private static PolicyStore Load()
    {
        var store = new PolicyStore();
        Assert.True(store.TryLoad(DashboardGateway.PolicyPath).Ok);
        return store;
    }

    private static ClaimsPrincipal User(string name, Role role, string? household = null) =>
        new(Access.Identity(new Account(name, role, household, "", "stamp", At, []), "test"));

    [Fact]
    public void AReading_CarriesItsRegistersToItsHouseholdAndTechnicians_AndOnlyThatSomethingCameToOthers()
    {
        Assert.Equal(Reading, EventsEndpoint.For(User("m1", Role.Member, "h01"), Reading, Policy));
        Assert.Equal(Reading, EventsEndpoint.For(User("t", Role.Technician), Reading, Policy));
        foreach (var other in new[] { User("m2", Role.Member, "h02"), User("amina", Role.Council), User("root", Role.Administrator) })
        {
            var seen = EventsEndpoint.For(other, Reading, Policy)!;
            Assert.Equal(("reading", null, null, "reading"), (seen.Kind, seen.Meter, seen.Channels, seen.Summary));
        }
        Assert.Null(EventsEndpoint.For(new ClaimsPrincipal(new ClaimsIdentity()), Reading, Policy));
    }

    [Fact]
    public void ATrip_NamesTheMeterToOperationsAndItsHousehold_AndAStageChangeGoesToEveryone()
    {
        var trip = new LiveEvent("trip", "w-h01/kitchen tripped: leak", At, "w-h01");
        Assert.Equal(trip, EventsEndpoint.For(User("amina", Role.Council), trip, Policy));
        Assert.Equal(trip, EventsEndpoint.For(User("m1", Role.Member, "h01"), trip, Policy));
        Assert.Equal("trip", EventsEndpoint.For(User("m2", Role.Member, "h02"), trip, Policy)!.Summary);
        var stage = new LiveEvent("stage", "water stage 1: reservoir low", At);
        Assert.Equal(stage, EventsEndpoint.For(User("m2", Role.Member, "h02"), stage, Policy));
    }
}
