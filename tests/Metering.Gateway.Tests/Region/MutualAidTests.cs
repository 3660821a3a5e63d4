using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Region;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Region;

/// <summary>Loans of allowance between members, on the region's real ledger and audit log.</summary>
public sealed class MutualAidTests : IDisposable
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("region-aid-").FullName;
    private readonly FakeTimeProvider _time = new(Monday.AddHours(6));
    private readonly RegionLedger _ledger;
    private readonly RegionService _region;

    public MutualAidTests()
    {
        _ledger = new RegionLedger(Path.Combine(_dir, "region.db"));
        var o = RegionServiceTests.Options();
        o.Communities[0].Council = new RegionalCouncilOptions { K = 2, Members = ["u-amina", "u-bruno", "u-chen"] };
        o.Communities[1].Council = new RegionalCouncilOptions { K = 1, Members = ["l-dara", "l-emil"] };
        _region = new RegionService(o, _ledger, new AuditLog(AuditPath, _time), _time);
        // Upper 100 persons, lower 300: floors 5,000 L and 15,000 L, caps 10,000 L and 30,000 L.
        Report("upper", 1, 100, Monday);
        Report("lower", 1, 300, Monday);
    }

    private string AuditPath => Path.Combine(_dir, "a.log");

    private long Report(string community, long seq, long persons, DateTimeOffset from) =>
        Assert.Single(_region.Handle(community + "-token", RegionWire.Encode(new RegionReport(community, seq, seq, 0,
            [new ResourceUse(Resource.Water, PolicyPeriod.Day, from.ToUnixTimeMilliseconds(), 0, 10, persons, 0)]))).Answer!.Caps).Cap;

    private Loan Propose(long amount)
    {
        var (from, to) = _region.PeriodAt(Resource.Water, _time.GetUtcNow());
        var r = _region.Aid.Propose("u-amina", Resource.Water, "upper", "lower", amount, from, to);
        Assert.True(r.Accepted, r.Refusal);
        return r.Loan!;
    }

    [Fact]
    public void ALoanApprovedByBothCouncils_ChangesBothCapsForItsPeriod_AndEndsByItself()
    {
        var loan = Propose(2_000_000);
        _region.Aid.Approve(loan.Id, "u-amina");
        _region.Aid.Approve(loan.Id, "u-bruno");
        Assert.True(_region.Aid.Approve(loan.Id, "l-dara").Loan!.Active);
        Assert.Equal(8_000_000, Report("upper", 2, 100, Monday));
        Assert.Equal(32_000_000, Report("lower", 2, 300, Monday));
        Assert.Equal(40_000_000, _region.Allocate(Resource.Water, Monday.ToUnixTimeMilliseconds()).TotalCaps);
        // The next day the loan is over: both back to their own caps.
        Assert.Equal(10_000_000, Report("upper", 3, 100, Monday.AddDays(1)));
        Assert.Equal(30_000_000, Report("lower", 3, 300, Monday.AddDays(1)));
        Assert.True(AuditLog.Verify(AuditPath).Ok);
        Assert.Contains(File.ReadAllLines(AuditPath), l => l.Contains("\"region.loan.active\"", StringComparison.Ordinal));
    }

    [Fact]
    public void WithoutEitherCouncilsQuorum_TheLoanChangesNothing()
    {
        var lenderShort = Propose(2_000_000);
        _region.Aid.Approve(lenderShort.Id, "u-amina");
        Assert.False(_region.Aid.Approve(lenderShort.Id, "l-dara").Loan!.Active);
        var borrowerMissing = Propose(1_000_000);
        _region.Aid.Approve(borrowerMissing.Id, "u-amina");
        Assert.False(_region.Aid.Approve(borrowerMissing.Id, "u-chen").Loan!.Active);
        Assert.Equal(10_000_000, Report("upper", 2, 100, Monday));
        Assert.Equal(30_000_000, Report("lower", 2, 300, Monday));
    }

    [Fact]
    public void ALender_NeverLendsBelowItsFloor()
    {
        var loan = Propose(9_000_000);
        foreach (var who in new[] { "u-amina", "u-bruno", "l-emil" }) _region.Aid.Approve(loan.Id, who);
        // Upper holds 5,000 L above its 5,000 L floor: only that moves.
        Assert.Equal(5_000_000, Report("upper", 2, 100, Monday));
        Assert.Equal(35_000_000, Report("lower", 2, 300, Monday));
    }

    [Fact]
    public void OutsidersAndBadLoans_AreRefused()
    {
        var (from, to) = _region.PeriodAt(Resource.Water, _time.GetUtcNow());
        Assert.False(_region.Aid.Propose("mallory", Resource.Water, "upper", "lower", 1, from, to).Accepted);
        Assert.False(_region.Aid.Propose("u-amina", Resource.Water, "upper", "upper", 1, from, to).Accepted);
        Assert.False(_region.Aid.Propose("u-amina", Resource.Water, "upper", "lower", 0, from, to).Accepted);
        var loan = Propose(1);
        Assert.False(_region.Aid.Approve(loan.Id, "mallory").Accepted);
    }

    public void Dispose()
    {
        _ledger.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
