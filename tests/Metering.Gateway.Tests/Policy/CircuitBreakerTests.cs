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
    public void OneFlakyGoodProbe_DoesNotClose_ABadOneStartsTheRunOfGoodProbesAgain()
    {
        _b.Trip("overcurrent");
        _time.Advance(TimeSpan.FromMinutes(5));
        _b.RecordProbe(true);
        _b.RecordProbe(true);
        _b.RecordProbe(false); // two good, then bad: not closed, and the run starts again
        _b.RecordProbe(true);
        _b.RecordProbe(true);
        Assert.Equal(BreakerState.HalfOpen, _b.State);
        _b.RecordProbe(true);
        Assert.Equal(BreakerState.Closed, _b.State);
    }

    /// <summary>"Half-open with several probes (one flaky probe must not re-open it)".</summary>
    [Fact]
    public void OneFlakyBadProbe_DoesNotReopen_ASecondOneReopensWithADoubledCooldown()
    {
        _b.Trip("overcurrent");
        _time.Advance(TimeSpan.FromMinutes(5));
        _b.RecordProbe(false, "load 260");
        Assert.Equal(BreakerState.HalfOpen, _b.State);
        _b.RecordProbe(true);
        _b.RecordProbe(false, "load 270");
        Assert.Equal(BreakerState.Open, _b.State);
        Assert.Equal(_time.GetUtcNow() + TimeSpan.FromMinutes(10), _b.ProbeDueAt);
        Assert.Equal(["breaker.opened", "breaker.half_open", "breaker.opened"], _audit.Kinds());
        Assert.Contains("2 bad probes: load 270", _audit.Records()[2].PayloadJson);
        // A new half-open period: its first bad probe is tolerated again.
        _time.Advance(TimeSpan.FromMinutes(10));
        _b.RecordProbe(false);
        Assert.Equal(BreakerState.HalfOpen, _b.State);
    }

    [Fact]
    public void Restore_PutsBackAHalfOpenBreaker_WithItsDoubledCooldownWhenOpen()
    {
        var since = _time.GetUtcNow();
        var open = new CircuitBreaker("zone:a", BreakerScope.Zone, Options, _time, _audit.Log);
        open.Restore("load over", null, false, since, BreakerState.Open, since + TimeSpan.FromMinutes(20), recentTrips: 3);
        Assert.Equal(since + TimeSpan.FromMinutes(20), open.ProbeDueAt);
        var half = new CircuitBreaker("zone:b", BreakerScope.Zone, Options, _time, _audit.Log);
        half.Restore("load over", null, false, since, BreakerState.HalfOpen);
        Assert.Equal(BreakerState.HalfOpen, half.State);
        for (var i = 0; i < 3; i++) half.RecordProbe(true);
        Assert.Equal(BreakerState.Closed, half.State);
        Assert.Equal(["breaker.closed"], _audit.Kinds()); // restoring audits nothing new
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
    /// ProbesToClose consecutive good probes since it went half-open (or a technician's reset), and only
    /// BadProbesToReopen bad probes in one half-open period re-open it.</summary>
    [Fact]
    public void AnyEventSequence_ClosesOnlyAfterEnoughConsecutiveGoodProbes()
    {
        var step = Gen.Int[0, 3].Select(Gen.Int[0, 20], (kind, minutes) => (kind, minutes));
        step.Array[1, 60].Sample(steps =>
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero));
            using var audit = new AuditFile(time);
            var b = new CircuitBreaker("b", BreakerScope.Zone, Options, time, audit.Log);
            var (goodRun, badRun) = (0, 0);
            foreach (var (kind, minutes) in steps)
            {
                var before = b.State;
                if (before != BreakerState.HalfOpen) (goodRun, badRun) = (0, 0);
                switch (kind)
                {
                    case 0: b.Trip("t"); break;
                    case 1: b.RecordProbe(true); if (before == BreakerState.HalfOpen) goodRun++; break;
                    case 2: b.RecordProbe(false); goodRun = 0; if (before == BreakerState.HalfOpen) badRun++; break;
                    default: time.Advance(TimeSpan.FromMinutes(minutes)); break;
                }
                if (before != BreakerState.Closed && b.State == BreakerState.Closed)
                    Assert.Equal(Options.ProbesToClose, goodRun);
                if (before == BreakerState.HalfOpen && kind == 2)
                    Assert.Equal(badRun >= Options.BadProbesToReopen ? BreakerState.Open : BreakerState.HalfOpen, b.State);
            }
            Assert.True(!File.Exists(audit.Log.Path) || AuditLog.Verify(audit.Log.Path).Ok);
        }, iter: 200);
    }
}
