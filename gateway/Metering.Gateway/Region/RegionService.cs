using System.Security.Cryptography;
using System.Text;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>What the region does with one report: authenticate the community, check the report
/// against the region's periods, store it (RegionLedger, one transaction), allocate every budgeted
/// resource for the report's period from what the ledger now counts, audit each changed cap in the
/// region's audit chain, and answer with the community's delegated caps. The answer leaves only
/// after the commit: a community that has it may forget the report.</summary>
public sealed class RegionService(RegionOptions options, RegionLedger ledger, IAuditSink audit, TimeProvider time)
{
    private readonly Lock _gate = new();

    public string RegionId => options.Id;

    /// <summary>The delegates who change budgets k-of-n; the budgets in force come from it.</summary>
    public RegionalCouncil Council { get; } = new(options, ledger, audit);

    /// <summary>Loans between members; applied to every allocation of their period.</summary>
    public MutualAid Aid { get; } = new(options, ledger, audit);

    /// <summary>A report over HTTP: the community proves itself with its token.</summary>
    public RegionResult Handle(string? token, byte[] body)
    {
        if (!RegionWire.TryDecodeReport(body, out var report, out var error)) return RegionResult.Bad(400, "Malformed report", error);
        var member = options.Member(report!.Community);
        if (member is null || token is null || !TokenMatches(token, member.TokenSha256))
            return RegionResult.Bad(401, "Unknown community or wrong token",
                $"'{report.Community}' is not a member of region '{options.Id}' with this token (Authorization: Community <token>).");
        return Process(report, body);
    }

    /// <summary>A report over MQTT on <paramref name="topicCommunity"/>'s report topic: the broker signed
    /// the community in with its account, and that account may publish only on its own topic (a device
    /// account: Region/RegionTopics.cs), so the topic names who sent it; the report must name the same.</summary>
    public RegionResult HandleFromBroker(string topicCommunity, byte[] body)
    {
        if (body.Length > RegionWire.MaxReportBytes) return RegionResult.Bad(413, "Report too large", $"a report is at most {RegionWire.MaxReportBytes} bytes");
        if (!RegionWire.TryDecodeReport(body, out var report, out var error)) return RegionResult.Bad(400, "Malformed report", error);
        if (options.Member(report!.Community) is null || report.Community != topicCommunity)
            return RegionResult.Bad(401, "Unknown community or another community's topic",
                $"the report of '{report.Community}' came on the topic of '{topicCommunity}'; a member reports on its own topic of region '{options.Id}'.");
        return Process(report, body);
    }

    private RegionResult Process(RegionReport report, byte[] body)
    {
        var now = time.GetUtcNow();
        foreach (var u in report.Resources)
        {
            if (!options.Resources.ContainsKey(u.Resource.Name())) continue;
            var budget = options.Budget(u.Resource);
            var from = PolicyPeriods.StartOf(budget.Period, DateTimeOffset.FromUnixTimeMilliseconds(u.FromMs), options.Offset);
            if (u.Period != budget.Period || from.ToUnixTimeMilliseconds() != u.FromMs)
                return RegionResult.Bad(422, "Periods differ",
                    $"{u.Resource.Name()}: the report's {u.Period.ToString().ToLowerInvariant()} starting {u.FromMs} is not one of the region's periods " +
                    $"({budget.Period.ToString().ToLowerInvariant()} at UTC offset {options.UtcOffset}): give the community's policy the same period and utc_offset.");
        }
        lock (_gate)
        {
            var stored = ledger.Store(report, Encoding.UTF8.GetString(body), now.ToUnixTimeMilliseconds());
            // Before the caps, so this very answer carries a stage the report's gauges raise.
            if (stored && report.Gauges is { Count: > 0 } gauges) Council.Triggers.Observe(report.Community, gauges, now);
            var caps = new List<DelegatedCap>();
            foreach (var r in options.BudgetedResources())
            {
                // The period the community reported for this resource, or the region's current one.
                var fromMs = report.Resources.FirstOrDefault(u => u.Resource == r)?.FromMs
                    ?? PolicyPeriods.StartOf(options.Budget(r).Period, now, options.Offset).ToUnixTimeMilliseconds();
                if (Allocate(r, fromMs).For(report.Community) is not { } a) continue;
                var budget = Council.Budget(r);
                var start = DateTimeOffset.FromUnixTimeMilliseconds(fromMs);
                var stage = Council.StageAt(r, now);
                caps.Add(new DelegatedCap(r, fromMs, PolicyPeriods.EndOf(budget.Period, start, options.Offset).ToUnixTimeMilliseconds(),
                    a.Cap, a.Floor, now.Add(options.CapValidity).ToUnixTimeMilliseconds(), stage?.Stage ?? 0, stage?.UntilMs ?? 0));
                AuditChange(report.Community, r, fromMs, a);
            }
            return RegionResult.Ok(new RegionAnswer(options.Id, report.Community, report.Seq, !stored, caps));
        }
    }

    /// <summary>The allocation of one resource's budget in one period, from the members' reports as the ledger counts them.</summary>
    public RegionalAllocationTable Allocate(Resource r, long fromMs)
    {
        var budget = Council.Budget(r);
        var use = ledger.Use(r, fromMs);
        var previousFrom = PolicyPeriods.StartOf(budget.Period, DateTimeOffset.FromUnixTimeMilliseconds(fromMs - 1), options.Offset).ToUnixTimeMilliseconds();
        var previous = ledger.Use(r, previousFrom);
        var claims = options.Communities.Select(m => new MemberClaim(m.Id,
            use.TryGetValue(m.Id, out var u) ? u.Persons : ledger.LatestPersons(m.Id, r),
            m.Share,
            previous.TryGetValue(m.Id, out var p) ? p.Used : 0,
            m.Ceilings.TryGetValue(r.Name(), out var c) ? c : null)).ToList();
        return Aid.Apply(RegionalAllocation.Compute(budget, claims), fromMs);
    }

    /// <summary>The period of a resource containing <paramref name="at"/>, [from, to) in Unix ms.</summary>
    public (long FromMs, long ToMs) PeriodAt(Resource r, DateTimeOffset at)
    {
        var period = Council.Budget(r).Period;
        return (PolicyPeriods.StartOf(period, at, options.Offset).ToUnixTimeMilliseconds(), PolicyPeriods.EndOf(period, at, options.Offset).ToUnixTimeMilliseconds());
    }

    private void AuditChange(string community, Resource r, long fromMs, CommunityAllocation a)
    {
        var before = ledger.SwapCap(community, r, fromMs, a.Cap, a.Floor);
        if (before is { } b && b.Cap == a.Cap && b.Floor == a.Floor) return;
        audit.Append("region", AuditRoles.System, "region.cap.changed", new
        {
            community,
            resource = r.Name(),
            from_ms = fromMs,
            cap = a.Cap,
            floor = a.Floor,
            previous_cap = before?.Cap,
        });
    }

    /// <summary>Constant-time comparison of the token's SHA-256 with the configured one.</summary>
    private static bool TokenMatches(string token, string sha256Hex)
    {
        var actual = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        return sha256Hex.Length == 64 && CryptographicOperations.FixedTimeEquals(actual, Convert.FromHexString(sha256Hex));
    }
}

/// <summary>An HTTP status with either the answer or a problem title and detail.</summary>
public sealed record RegionResult(int Status, RegionAnswer? Answer, string? Title, string? Detail)
{
    public static RegionResult Ok(RegionAnswer a) => new(200, a, null, null);

    public static RegionResult Bad(int status, string title, string detail) => new(status, null, title, detail);
}
