using Commons.Metering.Gateway.Commons;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>The JSON shapes of the API (camelCase, resources by name with their unit, durations in
/// seconds), one place so the pages and the OpenAPI clients read the same thing.</summary>
internal static class Views
{
    /// <summary>Devices offline and total come from <paramref name="devices"/> (DashboardQueries.DeviceCounts),
    /// so the overview and the devices page count the same devices the same way.</summary>
    public static object Overview(CommunityOverview o, (int Offline, int Total) devices) => new
    {
        hasPolicy = true,
        community = o.Community,
        policyVersion = o.PolicyVersion,
        at = o.At,
        resources = o.Resources.Select(r => new
        {
            resource = r.Resource.Name(), unit = r.Resource.Unit(), period = r.Period, periodStart = r.PeriodStart, periodEnd = r.PeriodEnd,
            used = r.Used, cap = r.Cap, stage = r.Stage, stageReason = r.StageReason,
        }),
        emergency = o.Emergency is not { } e ? null : new
        {
            reason = e.Reason, declaredBy = e.DeclaredBy, start = e.Start, sunset = e.Sunset,
            remainingSeconds = (long)e.Remaining.TotalSeconds, renewals = e.Renewals, pendingSignatures = e.PendingSignatures,
            active = e.Active, needed = e.Needed, maxHours = e.MaxDuration.TotalHours,
            signatures = (e.Signatures ?? []).Select(s => new { member = s.Member, act = s.Act, reason = s.Reason, hours = s.Duration.TotalHours, signedAt = s.SignedAt }),
        },
        openBreakers = o.OpenBreakers,
        devicesOffline = devices.Offline,
        devicesTotal = devices.Total,
    };

    /// <summary>Each resource with its period (day, month, year) and the period's bounds, so the page
    /// says "today" or "this month" beside the figures.</summary>
    public static object Household(HouseholdView h, CommunityPolicy policy, DateTimeOffset now, IReadOnlyDictionary<Resource, History> history,
        IReadOnlyList<DeviceRow> devices) => new
    {
        id = h.Id,
        persons = h.Persons,
        meters = h.Meters,
        resources = h.Resources.Select(r => new
        {
            resource = r.Resource.Name(), unit = r.Resource.Unit(), used = r.Used, floor = r.Floor, allowance = r.Allowance,
            period = policy.Resources.TryGetValue(r.Resource, out var rp) ? rp.Period.ToString().ToLowerInvariant() : null,
            periodStart = rp is null ? (DateTimeOffset?)null : PolicyPeriods.StartOf(rp.Period, now, policy.UtcOffset),
            periodEnd = rp is null ? (DateTimeOffset?)null : PolicyPeriods.EndOf(rp.Period, now, policy.UtcOffset),
            remaining = r.Remaining, underFloor = r.UnderFloor, sanction = r.Sanction, sanctionReason = r.SanctionReason,
            curtailedMinutes = r.CurtailedMinutes,
            channels = r.Channels.Select(c => new { meter = c.Meter, channel = c.Channel, use = c.Use, decision = c.Decision, reason = c.Reason }),
            history = history.TryGetValue(r.Resource, out var hist) ? hist : null,
        }),
        devices,
    };

    public static object Breaker(BreakerView b) => new
    {
        id = b.Id, scope = b.Scope, state = b.State, reason = b.Reason, safety = b.Safety, needsTechnician = b.NeedsTechnician,
        since = b.Since, meter = b.Meter, channel = b.Channel,
    };

    /// <summary><paramref name="resource"/>: the meter's, for amounts in its units (null when unregistered).</summary>
    public static object Command(CommandView c, Resource? resource) => new
    {
        cid = c.Cid, meter = c.Meter, op = c.Op, detail = CommandAmounts.Detail(c, resource), amounts = CommandAmounts.Raw(c, resource), created = c.Created, expires = c.Expires, attempts = c.Attempts,
        state = c.State, ackedAt = c.AckedAt, ackError = c.AckError, confirmedAt = c.ConfirmedAt, why = c.Why,
    };

    /// <summary>A proposal with its whole file; a pending or refused one also with what it changes against
    /// the policy in force: plain sentences (null when the file does not parse) and a line diff.</summary>
    public static object Proposal(ProposalView p, CommunityPolicy inForce, string? inForceYaml)
    {
        var compare = p.State is "pending" or "refused";
        var parsed = compare ? PolicyLoader.Parse(p.Yaml, "proposal.yaml").Policy : null;
        return new
        {
            id = p.Id, proposer = p.Proposer, created = p.Created, effectiveAt = p.EffectiveAt, approvals = p.Approvals, needed = p.Needed, state = p.State,
            refusal = p.Refusal, errors = p.Errors ?? [], yaml = p.Yaml,
            summary = parsed is null ? null : PolicySummary.Changes(inForce, parsed),
            diff = compare && inForceYaml is not null ? LineDiff.Hunks(LineDiff.Compute(inForceYaml, p.Yaml)).Select(l => new { op = l.Op, text = l.Text }) : null,
        };
    }

    public static object Audit(AuditRecord a) => new
    {
        seq = a.Seq, time = a.Time, actor = a.Actor, role = a.Role, kind = a.Kind, payload = a.PayloadJson, hash = a.Hash,
    };
}

/// <summary>Usage of one resource of a household: the last 24 hour buckets and the last 14 days
/// (community-local days), oldest first, summed over the channels the policy lists.</summary>
internal sealed record History(string Unit, IReadOnlyList<Bucket> Hourly, IReadOnlyList<Bucket> Daily);

internal sealed record Bucket(DateTimeOffset Start, long Used);

/// <summary>A device as the devices page shows it: status only, never its registers.</summary>
internal sealed record DeviceRow(
    string Id, string Community, string Resource, bool Online, string State, DateTimeOffset? LastSeen,
    string? Firmware, long? OutboxDepth, long? BatteryMv, long? Boot);
