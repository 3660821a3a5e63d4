using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Region;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Region;

/// <summary>The regional council changes a budget only with k of n delegates, on the region's real
/// ledger and audit log.</summary>
public sealed class RegionalCouncilTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("region-council-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 6, 0, 0, TimeSpan.Zero));
    private readonly RegionLedger _ledger;
    private readonly RegionService _region;

    public RegionalCouncilTests()
    {
        _ledger = new RegionLedger(Path.Combine(_dir, "region.db"));
        _region = new RegionService(Options(), _ledger, new AuditLog(AuditPath, _time), _time);
    }

    private string AuditPath => Path.Combine(_dir, "region-audit.log");

    private static RegionOptions Options()
    {
        var o = RegionServiceTests.Options();
        o.Council = new RegionalCouncilOptions { K = 2, Members = ["d-upper", "d-lower", "d-middle"] };
        return o;
    }

    private static byte[] Report(string community, long seq, long persons) =>
        RegionWire.Encode(new RegionReport(community, seq, seq, 0, [new ResourceUse(Resource.Water, PolicyPeriod.Day, 1772409600000, 0, 10, persons, 0)]));

    [Fact]
    public void ABudgetChange_TakesEffectOnlyWithKDistinctDelegates_AndTheNextAnswerCarriesIt()
    {
        _region.Handle("upper-token", Report("upper", 1, 100));
        _region.Handle("lower-token", Report("lower", 1, 300));
        // A drought: 24,000 L instead of 40,000 L; floors 20,000 L, the rest 1:3.
        var p = _region.Council.Propose("d-upper", Resource.Water, 24_000_000, 50_000, RegionalRule.ByPopulation);
        Assert.True(p.Accepted, p.Refusal);
        Assert.True(_region.Council.Approve(p.Proposal!.Id, "d-upper").Accepted);
        Assert.True(_region.Council.Approve(p.Proposal.Id, "d-upper").Accepted);
        Assert.Equal(40_000_000, _region.Council.Budget(Resource.Water).BudgetPerPeriod);
        Assert.Equal(10_000_000, Assert.Single(_region.Handle("upper-token", Report("upper", 2, 100)).Answer!.Caps).Cap);

        var second = _region.Council.Approve(p.Proposal.Id, "d-lower");
        Assert.True(second.Proposal!.Active);
        Assert.Equal(24_000_000, _region.Council.Budget(Resource.Water).BudgetPerPeriod);
        Assert.Equal(6_000_000, Assert.Single(_region.Handle("upper-token", Report("upper", 3, 100)).Answer!.Caps).Cap);
        Assert.Empty(_region.Council.Pending());
    }

    [Fact]
    public void NonDelegates_AndUnknownProposals_AreRefused_AndAudited()
    {
        Assert.False(_region.Council.Propose("mallory", Resource.Water, 1, 1, RegionalRule.ByPopulation).Accepted);
        Assert.False(_region.Council.Propose("d-upper", Resource.Energy, 1, 1, RegionalRule.ByPopulation).Accepted);
        var p = _region.Council.Propose("d-upper", Resource.Water, 1, 1, RegionalRule.ByPopulation).Proposal!;
        Assert.False(_region.Council.Approve(p.Id, "mallory").Accepted);
        Assert.False(_region.Council.Approve("rb-nope", "d-lower").Accepted);
        var lines = File.ReadAllLines(AuditPath);
        Assert.Equal(4, lines.Count(l => l.Contains("\"region.budget.refused\"", StringComparison.Ordinal)));
        Assert.Single(lines, l => l.Contains("\"region.budget.proposed\"", StringComparison.Ordinal));
        Assert.True(AuditLog.Verify(AuditPath).Ok);
    }

    [Fact]
    public void ActivatedBudget_AndPendingApprovals_SurviveARestart()
    {
        var a = _region.Council.Propose("d-upper", Resource.Water, 30_000_000, 50_000, RegionalRule.ByShares).Proposal!;
        _region.Council.Approve(a.Id, "d-upper");
        _region.Council.Approve(a.Id, "d-middle");
        var b = _region.Council.Propose("d-lower", Resource.Water, 20_000_000, 50_000, RegionalRule.ByPopulation).Proposal!;
        _region.Council.Approve(b.Id, "d-lower");
        _ledger.Dispose();
        using var reopened = new RegionLedger(Path.Combine(_dir, "region.db"));
        var region = new RegionService(Options(), reopened, new AuditLog(AuditPath, _time), _time);
        Assert.Equal((30_000_000L, RegionalRule.ByShares), (region.Council.Budget(Resource.Water).BudgetPerPeriod, region.Council.Budget(Resource.Water).Rule));
        Assert.Equal(["d-lower"], Assert.Single(region.Council.Pending()).Approvals);
        Assert.True(region.Council.Approve(b.Id, "d-middle").Proposal!.Active);
        Assert.Equal(20_000_000, region.Council.Budget(Resource.Water).BudgetPerPeriod);
    }

    public void Dispose()
    {
        _ledger.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}

/// <summary>Regional stages: declared by k of n for a stated time, carried in every answer, ending by themselves.</summary>
public sealed class RegionalStageTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("region-stage-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 6, 0, 0, TimeSpan.Zero));
    private readonly RegionLedger _ledger;
    private readonly RegionService _region;

    public RegionalStageTests()
    {
        _ledger = new RegionLedger(Path.Combine(_dir, "region.db"));
        var o = RegionServiceTests.Options();
        o.Council = new RegionalCouncilOptions { K = 2, Members = ["d-upper", "d-lower", "d-middle"] };
        _region = new RegionService(o, _ledger, new AuditLog(Path.Combine(_dir, "a.log"), _time), _time);
    }

    private DelegatedCap Answer(long seq) => Assert.Single(_region.Handle("upper-token",
        RegionWire.Encode(new RegionReport("upper", seq, seq, 0, [new ResourceUse(Resource.Water, PolicyPeriod.Day, 1772409600000, 0, 10, 100, 0)]))).Answer!.Caps);

    [Fact]
    public void AStageDeclaredByKDelegates_GoesDownWithTheCaps_AndEndsByItself()
    {
        Assert.True(_region.Council.ProposeStage("d-lower", Resource.Water, 2, 12, out var p).Accepted);
        _region.Council.ApproveStage(p!.Id, "d-lower", _time.GetUtcNow(), out _);
        Assert.Equal(0, Answer(1).Stage);
        _region.Council.ApproveStage(p.Id, "d-middle", _time.GetUtcNow(), out var active);
        Assert.True(active!.Active);
        var during = Answer(2);
        Assert.Equal((2, _time.GetUtcNow().AddHours(12).ToUnixTimeMilliseconds()), (during.Stage, during.StageUntilMs));
        _time.Advance(TimeSpan.FromHours(12));
        Assert.Equal((0, 0L), (Answer(3).Stage, Answer(3).StageUntilMs));
    }

    [Fact]
    public void AStageLongerThanTheSunset_OrOutOfRange_OrByANonDelegate_IsRefused()
    {
        Assert.False(_region.Council.ProposeStage("d-lower", Resource.Water, 2, 73, out _).Accepted);
        Assert.False(_region.Council.ProposeStage("d-lower", Resource.Water, 4, 1, out _).Accepted);
        Assert.False(_region.Council.ProposeStage("mallory", Resource.Water, 1, 1, out _).Accepted);
    }

    public void Dispose()
    {
        _ledger.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
