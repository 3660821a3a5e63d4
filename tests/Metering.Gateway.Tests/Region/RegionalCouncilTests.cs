using Commons.Metering.Gateway.Ingest;
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
