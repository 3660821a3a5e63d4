using System.Security.Cryptography;
using System.Text;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Region;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Region;

/// <summary>The region's handling of reports, on its real ledger (SQLite in a temporary folder) and
/// its real audit log, with a fake clock.</summary>
public sealed class RegionServiceTests : IDisposable
{
    private static readonly DateTimeOffset Monday = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
    private readonly string _dir = Directory.CreateTempSubdirectory("region-tests-").FullName;
    private readonly FakeTimeProvider _time = new(Monday.AddHours(6));
    private readonly RegionLedger _ledger;
    private readonly RegionService _region;

    public RegionServiceTests()
    {
        _ledger = new RegionLedger(Path.Combine(_dir, "region.db"));
        _region = new RegionService(Options(), _ledger, new AuditLog(AuditPath, _time), _time);
    }

    private string AuditPath => Path.Combine(_dir, "region-audit.log");

    internal static string Sha(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));

    /// <summary>Two members; water 40,000 L a day by population, basic need 50 L per person.</summary>
    internal static RegionOptions Options() => new()
    {
        Id = "river-a",
        Communities =
        [
            new MemberOptions { Id = "upper", TokenSha256 = Sha("upper-token") },
            new MemberOptions { Id = "lower", TokenSha256 = Sha("lower-token") },
        ],
        Resources = { ["water"] = new RegionalResourceOptions { Period = "day", BudgetPerPeriod = 40_000_000, NeedPerPersonPerPeriod = 50_000 } },
    };

    private static byte[] Report(string community, long seq, long used, long persons, long fromMs = 1772409600000, string period = "day") =>
        RegionWire.Encode(new RegionReport(community, seq, seq, 0, [new ResourceUse(Resource.Water, Enum.Parse<PolicyPeriod>(period, true), fromMs, used, 10, persons, 0)]));

    [Fact]
    public void Report_IsStored_AndAnsweredWithTheCommunitysCap()
    {
        var upper = _region.Handle("upper-token", Report("upper", 1, 1_000_000, 100));
        // Only upper has reported: floor 5,000 L, and the rest of the budget by population is all its own.
        var cap = Assert.Single(upper.Answer!.Caps);
        Assert.Equal((40_000_000L, 5_000_000L, false), (cap.Cap, cap.Floor, upper.Answer.Duplicate));
        Assert.Equal(Monday.AddDays(1).ToUnixTimeMilliseconds(), cap.ToMs);
        Assert.Equal(Monday.AddHours(6 + 48).ToUnixTimeMilliseconds(), cap.ValidUntilMs);
        var lower = _region.Handle("lower-token", Report("lower", 1, 2_000_000, 300));
        Assert.Equal(30_000_000, Assert.Single(lower.Answer!.Caps).Cap);
        Assert.Equal([10_000_000L, 30_000_000L], _region.Allocate(Resource.Water, 1772409600000).Communities.Select(c => c.Cap));
    }

    [Fact]
    public void CapValiditySeconds_ShortensTheValidityTheAnswerCarries()
    {
        var options = Options();
        options.CapValiditySeconds = 8;
        var region = new RegionService(options, new RegionLedger(Path.Combine(_dir, "short.db")), new AuditLog(Path.Combine(_dir, "short.log"), _time), _time);
        var cap = Assert.Single(region.Handle("upper-token", Report("upper", 1, 1_000_000, 100)).Answer!.Caps);
        Assert.Equal(Monday.AddHours(6).AddSeconds(8).ToUnixTimeMilliseconds(), cap.ValidUntilMs);
    }

    [Fact]
    public void ResentReport_IsADuplicate_AndCountsOnce()
    {
        var body = Report("upper", 7, 1_000_000, 100);
        Assert.False(_region.Handle("upper-token", body).Answer!.Duplicate);
        Assert.True(_region.Handle("upper-token", body).Answer!.Duplicate);
        Assert.Equal(1, _ledger.ReportCount("upper"));
        Assert.Equal(1_000_000, _ledger.Use(Resource.Water, 1772409600000)["upper"].Used);
    }

    [Fact]
    public void OlderReportArrivingLate_DoesNotReplaceTheNewerUse()
    {
        _region.Handle("upper-token", Report("upper", 9, 3_000_000, 100));
        var late = _region.Handle("upper-token", Report("upper", 8, 2_000_000, 100));
        Assert.False(late.Answer!.Duplicate);
        var counted = _ledger.Use(Resource.Water, 1772409600000)["upper"];
        Assert.Equal((9L, 3_000_000L), (counted.Seq, counted.Used));
        Assert.Equal(2, _ledger.ReportCount("upper"));
    }

    [Fact]
    public void WrongToken_UnknownCommunity_OrAnotherMembersToken_IsRefused401()
    {
        Assert.Equal(401, _region.Handle("nope", Report("upper", 1, 0, 1)).Status);
        Assert.Equal(401, _region.Handle(null, Report("upper", 1, 0, 1)).Status);
        Assert.Equal(401, _region.Handle("lower-token", Report("upper", 1, 0, 1)).Status);
        Assert.Equal(401, _region.Handle("upper-token", Report("middle", 1, 0, 1)).Status);
        Assert.Equal(0, _ledger.ReportCount("upper"));
    }

    [Fact]
    public void ReportOfAnotherPeriod_IsRefused422WithWhatToChange()
    {
        var week = _region.Handle("upper-token", Report("upper", 1, 0, 1, period: "week"));
        Assert.Equal(422, week.Status);
        Assert.Contains("same period and utc_offset", week.Detail, StringComparison.Ordinal);
        // A day starting at 03:00 UTC is a community at +21:00 or a mistake: not the region's day.
        Assert.Equal(422, _region.Handle("upper-token", Report("upper", 2, 0, 1, fromMs: 1772409600000 + 3 * 3_600_000)).Status);
        Assert.Equal(0, _ledger.ReportCount("upper"));
    }

    [Fact]
    public void Malformed_Is400()
    {
        var r = _region.Handle("upper-token", "{}"u8.ToArray());
        Assert.Equal((400, "Malformed report"), (r.Status, r.Title));
    }

    [Fact]
    public void CapChanges_AreAuditedOnceEach_InAChainThatVerifies()
    {
        _region.Handle("upper-token", Report("upper", 1, 0, 100));
        _region.Handle("upper-token", Report("upper", 2, 500, 100));
        _region.Handle("lower-token", Report("lower", 1, 0, 300));
        _region.Handle("upper-token", Report("upper", 3, 900, 100));
        var kinds = File.ReadAllLines(AuditPath).Where(l => l.Contains("\"region.cap.changed\"", StringComparison.Ordinal)).ToList();
        // upper 40,000 L; lower 30,000 L; upper again, now 10,000 L. The unchanged second answer is not audited.
        Assert.Equal(3, kinds.Count);
        Assert.True(AuditLog.Verify(AuditPath).Ok);
    }

    [Fact]
    public void Restart_KeepsWhatTheLedgerHolds()
    {
        _region.Handle("upper-token", Report("upper", 1, 1_000_000, 100));
        _ledger.Dispose();
        using var reopened = new RegionLedger(Path.Combine(_dir, "region.db"));
        var region = new RegionService(Options(), reopened, new AuditLog(AuditPath, _time), _time);
        Assert.True(region.Handle("upper-token", Report("upper", 1, 1_000_000, 100)).Answer!.Duplicate);
        Assert.Equal(1_000_000, reopened.Use(Resource.Water, 1772409600000)["upper"].Used);
    }

    public void Dispose()
    {
        _ledger.Dispose();
        Directory.Delete(_dir, recursive: true);
    }
}
