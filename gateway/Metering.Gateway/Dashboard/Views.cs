using Commons.Metering.Gateway.PolicyRuntime;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Dashboard;

/// <summary>Builds the JSON shapes of the API (ViewRecords.cs: camelCase, resources by name with their
/// unit, durations in seconds), one place so the pages and the OpenAPI clients read the same thing.</summary>
internal static class Views
{
    /// <summary>Devices offline and total come from <paramref name="devices"/> (DashboardQueries.DeviceCounts),
    /// so the overview and the devices page count the same devices the same way.</summary>
    public static OverviewJson Overview(CommunityOverview o, (int Offline, int Total) devices) => new(
        HasPolicy: true,
        Community: o.Community,
        PolicyVersion: o.PolicyVersion,
        At: o.At,
        Resources: o.Resources.Select(r => new ResourceOverviewJson(
            r.Resource.Name(), r.Resource.Unit(), r.Period, r.PeriodStart, r.PeriodEnd, r.Used, r.Cap, r.Stage, r.StageReason)),
        Emergency: o.Emergency is not { } e ? null : new EmergencyJson(
            e.Reason, e.DeclaredBy, e.Start, e.Sunset, (long)e.Remaining.TotalSeconds, e.Renewals, e.PendingSignatures,
            e.Active, e.Needed, e.MaxDuration.TotalHours,
            (e.Signatures ?? []).Select(s => new SignatureJson(s.Member, s.Act, s.Reason, s.Duration.TotalHours, s.SignedAt))),
        OpenBreakers: o.OpenBreakers,
        DevicesOffline: devices.Offline,
        DevicesTotal: devices.Total);

    /// <summary>Each resource with its period (day, month, year) and the period's bounds, so the page
    /// says "today" or "this month" beside the figures.</summary>
    public static HouseholdJson Household(HouseholdView h, CommunityPolicy policy, DateTimeOffset now, IReadOnlyDictionary<Resource, History> history,
        IReadOnlyList<DeviceRow> devices) => new(
        h.Id,
        h.Persons,
        h.Meters,
        h.Resources.Select(r =>
        {
            var rp = policy.Resources.GetValueOrDefault(r.Resource);
            return new HouseholdResourceJson(
                r.Resource.Name(), r.Resource.Unit(), r.Used, r.Floor, r.Allowance,
                Period: rp?.Period.ToString().ToLowerInvariant(),
                PeriodStart: rp is null ? null : PolicyPeriods.StartOf(rp.Period, now, policy.UtcOffset),
                PeriodEnd: rp is null ? null : PolicyPeriods.EndOf(rp.Period, now, policy.UtcOffset),
                r.Remaining, r.UnderFloor, r.Sanction, r.SanctionReason, r.CurtailedMinutes,
                r.Channels.Select(c => new ChannelDecisionJson(c.Meter, c.Channel, c.Use, c.Decision, c.Reason)),
                history.GetValueOrDefault(r.Resource));
        }),
        devices);

    public static BreakerJson Breaker(BreakerView b) =>
        new(b.Id, b.Scope, b.State, b.Reason, b.Safety, b.NeedsTechnician, b.Since, b.Meter, b.Channel);

    /// <summary><paramref name="resource"/>: the meter's, for amounts in its units (null when unregistered).</summary>
    public static CommandJson Command(CommandView c, Resource? resource) => new(
        c.Cid, c.Meter, c.Op, CommandAmounts.Detail(c, resource), CommandAmounts.Raw(c, resource), c.Created, c.Expires, c.Attempts,
        c.State, c.AckedAt, c.AckError, c.ConfirmedAt, c.Why);

    /// <summary>A proposal with its whole file; a pending or refused one also with what it changes against
    /// the policy in force: plain sentences (null when the file does not parse) and a line diff.</summary>
    public static ProposalJson Proposal(ProposalView p, CommunityPolicy inForce, string? inForceYaml)
    {
        var compare = p.State is "pending" or "refused";
        var parsed = compare ? PolicyLoader.Parse(p.Yaml, "proposal.yaml").Policy : null;
        return new ProposalJson(
            p.Id, p.Proposer, p.Created, p.EffectiveAt, p.Approvals, p.Needed, p.State,
            p.Refusal, p.Errors ?? [], p.Yaml,
            Summary: parsed is null ? null : PolicySummary.Changes(inForce, parsed),
            Diff: compare && inForceYaml is not null ? LineDiff.Hunks(LineDiff.Compute(inForceYaml, p.Yaml)) : null);
    }

    public static AuditJson Audit(AuditRecord a) => new(a.Seq, a.Time, a.Actor, a.Role, a.Kind, a.PayloadJson, a.Hash);

    public static AuditVerificationJson Verification(AuditVerification v) => new(v.Ok, v.Records, v.FirstBrokenSeq, v.Problem, v.ToString());
}

/// <summary>Usage of one resource of a household: the last 24 hour buckets and the last 14 days
/// (community-local days), oldest first, summed over the channels the policy lists.</summary>
internal sealed record History(string Unit, IReadOnlyList<Bucket> Hourly, IReadOnlyList<Bucket> Daily);

internal sealed record Bucket(DateTimeOffset Start, long Used);

/// <summary>A device as the devices page shows it: status only, never its registers.</summary>
internal sealed record DeviceRow(
    string Id, string Community, string Resource, bool Online, string State, DateTimeOffset? LastSeen,
    string? Firmware, long? OutboxDepth, long? BatteryMv, long? Boot);
