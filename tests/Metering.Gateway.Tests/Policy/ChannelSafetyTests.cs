using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class ChannelSafetyTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 22, 0, 0, TimeSpan.Zero));
    private readonly AuditFile _audit;
    private static readonly CommunityPolicy Village = PolicyLoader.LoadFile(PolicyFiles.VillagePath).Policy!;

    public ChannelSafetyTests() => _audit = new AuditFile(_time);

    public void Dispose() => _audit.Dispose();

    [Fact]
    public void LeakAtNight_TripsTheChannel_CutsEvenTheProtectedEssential_UntilATechnicianResets()
    {
        var water = Village.Resource(Resource.Water); // leak after 120 min
        var guard = new ChannelSafety("w-h02/main", water.Safety, BreakerOptions.Default, _time, _audit.Log);
        var register = 0L;
        SafetyReason? trip = null;
        for (var minute = 0; minute <= 120 && trip is null; minute++)
        {
            trip = guard.Observe(_time.GetUtcNow(), register);
            register += 60; // 60 mL/min, a running toilet
            _time.Advance(TimeSpan.FromMinutes(1));
        }
        Assert.Equal(SafetyReason.Leak, trip);
        var status = AllowanceCalculator.Compute(Village, Resource.Water).Status("h02", 7_200); // far under its floor
        var d = Curtailment.Decide(water, Village.UtcOffset, new ChannelContext(UseClass.Essential, 0, status, _time.GetUtcNow(), SafetyTrip: guard.Trip));
        Assert.Equal((DecisionKind.Tripped, (SafetyReason?)SafetyReason.Leak), (d.Kind, d.Safety));

        _time.Advance(TimeSpan.FromHours(8));
        Assert.Equal(SafetyReason.Leak, guard.Trip); // no self-healing of a safety trip
        Assert.True(guard.Breaker.Reset("tech-joe", AuditRoles.Technician));
        Assert.Null(guard.Trip);
        Assert.Equal(["breaker.opened", "breaker.reset"], _audit.Kinds());
    }

    [Fact]
    public void Burst_TripsAtOnce()
    {
        var guard = new ChannelSafety("w-h01/garden", Village.Resource(Resource.Water).Safety, BreakerOptions.Default, _time, _audit.Log);
        guard.Observe(_time.GetUtcNow(), 0);
        Assert.Equal(SafetyReason.Burst, guard.Observe(_time.GetUtcNow().AddMinutes(1), 30_001));
    }

    [Fact]
    public void NoLimits_NeverTrips()
    {
        var guard = new ChannelSafety("e-h01/freezer", Village.Resource(Resource.Energy).Safety, BreakerOptions.Default, _time, _audit.Log);
        for (var m = 0; m < 600; m++) Assert.Null(guard.Observe(_time.GetUtcNow().AddMinutes(m), m * 1_000_000L));
    }
}
