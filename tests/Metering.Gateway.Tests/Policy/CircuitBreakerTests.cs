using Commons.Metering.Gateway.Policy;
using CsCheck;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Policy;

public sealed class CircuitBreakerTests : IDisposable
{
    private static readonly BreakerOptions Options = new(TimeSpan.FromMinutes(5), ProbesToClose: 3, TimeSpan.FromMinutes(40), TimeSpan.FromHours(1));
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
    private readonly AuditFile _audit;
    private readonly CircuitBreaker _b;

    public CircuitBreakerTests()
    {
        _audit = new AuditFile(_time);
        _b = new CircuitBreaker("w-h01/garden", BreakerScope.Channel, Options, _time, _audit.Log);
    }

    public void Dispose() => _audit.Dispose();

    [Fact]
    public void Trip_Opens_ThenHalfOpensAfterTheCooldown_AndClosesOnlyAfterThreeGoodProbes()
    {
        _b.Trip("burst");
        Assert.Equal(BreakerState.Open, _b.State);
        _time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromTicks(1));
        Assert.Equal(BreakerState.Open, _b.State);
        _time.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(BreakerState.HalfOpen, _b.State);
        _b.RecordProbe(true);
        _b.RecordProbe(true);
        Assert.Equal(BreakerState.HalfOpen, _b.State);
        _b.RecordProbe(true);
        Assert.Equal(BreakerState.Closed, _b.State);
        Assert.Equal(["breaker.opened", "breaker.half_open", "breaker.closed"], _audit.Kinds());
        Assert.Contains("\"at\":\"2026-03-01T00:05:00.0000000+00:00\"", _audit.Records()[1].PayloadJson);
    }

    [Fact]
    public void OneFlakyGoodProbe_DoesNotClose_ABadOneReopensWithADoubledCooldown()
    {
        _b.Trip("overcurrent");
        _time.Advance(TimeSpan.FromMinutes(5));
        _b.RecordProbe(true);
        _b.RecordProbe(false);
        Assert.Equal(BreakerState.Open, _b.State);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(10), _b.ProbeDueAt);
        _time.Advance(TimeSpan.FromMinutes(10));
        _b.RecordProbe(true);
        _b.RecordProbe(true);
        _b.RecordProbe(false); // two good, then bad: still not closed
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(20), _b.ProbeDueAt);
    }

    [Fact]
    public void Flapping_CooldownGrowsUpToTheMaximum_AndIsForgivenAfterAStableHour()
    {
        _b.Trip("burst");
        // Closed for less than StableAfter before each re-trip: 5, 10, 20, 40, 40 min.
        var cooldowns = new List<TimeSpan>();
        for (var i = 0; i < 4; i++)
        {
            _time.Advance(TimeSpan.FromHours(1));
            for (var p = 0; p < 3; p++) _b.RecordProbe(true);
            Assert.Equal(BreakerState.Closed, _b.State);
            _time.Advance(TimeSpan.FromMinutes(59));
            _b.Trip("burst");
            cooldowns.Add(_b.ProbeDueAt!.Value - _time.GetUtcNow());
        }
        Assert.Equal([10, 20, 40, 40], cooldowns.Select(c => c.TotalMinutes));
        // Closed a full hour: the past is forgiven.
        _time.Advance(TimeSpan.FromHours(1));
        for (var p = 0; p < 3; p++) _b.RecordProbe(true);
        _time.Advance(TimeSpan.FromHours(1));
        _b.Trip("burst");
        Assert.Equal(TimeSpan.FromMinutes(5), _b.ProbeDueAt!.Value - _time.GetUtcNow());
    }

    [Fact]
    public void SafetyTrip_NeedingATechnician_StaysOpen_RefusesOtherRoles_AndIsAudited()
    {
        _b.Trip("continuous flow 120 min", SafetyReason.Leak, requiresTechnician: true);
        _time.Advance(TimeSpan.FromDays(2));
        Assert.Equal(BreakerState.Open, _b.State);
        Assert.Null(_b.ProbeDueAt);
        Assert.Equal(SafetyReason.Leak, _b.Safety);
        Assert.False(_b.Reset("amina", AuditRoles.Council));
        Assert.False(_b.Reset("h01", AuditRoles.Member));
        Assert.Equal(BreakerState.Open, _b.State);
        Assert.True(_b.Reset("tech-joe", AuditRoles.Technician));
        Assert.Equal(BreakerState.Closed, _b.State);
        var r = _audit.Records();
        Assert.Equal(["breaker.opened", "breaker.reset.refused", "breaker.reset.refused", "breaker.reset"], r.Select(x => x.Kind));
        Assert.Equal(("amina", "council"), (r[1].Actor, r[1].Role));
        Assert.Contains("\"safety\":\"leak\"", r[0].PayloadJson);
        Assert.True(AuditLog.Verify(_audit.Log.Path).Ok);
    }

    [Fact]
    public void OrdinaryTripThenSafetyTrip_LocksTheOpenBreaker()
    {
        _b.Trip("zone over capacity");
        _b.Trip("tamper switch", SafetyReason.Tamper, requiresTechnician: true);
        _time.Advance(TimeSpan.FromHours(5));
        Assert.Equal(BreakerState.Open, _b.State);
        Assert.Equal(["breaker.opened", "breaker.locked"], _audit.Kinds());
    }

    /// <summary>Over random sequences of trips, probes and time: the breaker only ever closes after
    /// ProbesToClose consecutive good probes since it went half-open (or a technician's reset).</summary>
    [Fact]
    public void AnyEventSequence_ClosesOnlyAfterEnoughConsecutiveGoodProbes()
    {
        var step = Gen.Int[0, 3].Select(Gen.Int[0, 20], (kind, minutes) => (kind, minutes));
        step.Array[1, 60].Sample(steps =>
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
            using var audit = new AuditFile(time);
            var b = new CircuitBreaker("b", BreakerScope.Zone, Options, time, audit.Log);
            var goodRun = 0;
            foreach (var (kind, minutes) in steps)
            {
                var before = b.State;
                if (before != BreakerState.HalfOpen) goodRun = 0;
                switch (kind)
                {
                    case 0: b.Trip("t"); break;
                    case 1: b.RecordProbe(true); if (before == BreakerState.HalfOpen) goodRun++; break;
                    case 2: b.RecordProbe(false); goodRun = 0; break;
                    default: time.Advance(TimeSpan.FromMinutes(minutes)); break;
                }
                if (before != BreakerState.Closed && b.State == BreakerState.Closed)
                    Assert.Equal(Options.ProbesToClose, goodRun);
            }
            Assert.True(!File.Exists(audit.Log.Path) || AuditLog.Verify(audit.Log.Path).Ok);
        }, iter: 200);
    }
}
