namespace Commons.Metering.Gateway.Dashboard;

// The JSON shapes of the commons API (Views.cs builds them). Property names are the wire names in
// camelCase; amounts are integers in the resource's base unit named beside them (`unit`: mL, Wh, g),
// times are ISO 8601. The dashboard's scripts and the CLI read these names: change them only with both.

/// <summary>GET /api/v1/overview under a policy: public aggregates per resource. <c>hasPolicy</c> is
/// always true here; without a policy the answer is a <see cref="MeteringOverviewJson"/>.</summary>
internal sealed record OverviewJson(
    bool HasPolicy, string Community, int PolicyVersion, DateTimeOffset At, IEnumerable<ResourceOverviewJson> Resources,
    EmergencyJson? Emergency, int OpenBreakers, int DevicesOffline, int DevicesTotal);

/// <summary>Use and cap of the current period in base units; stage 0-3.</summary>
internal sealed record ResourceOverviewJson(
    string Resource, string Unit, string Period, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, long Used, long Cap, int Stage, string StageReason);

/// <summary>An emergency in force (<c>active</c>) or a declaration waiting for its quorum.</summary>
internal sealed record EmergencyJson(
    string Reason, string DeclaredBy, DateTimeOffset Start, DateTimeOffset Sunset, long RemainingSeconds, int Renewals,
    IReadOnlyList<string> PendingSignatures, bool Active, int Needed, double MaxHours, IEnumerable<SignatureJson> Signatures);

internal sealed record SignatureJson(string Member, string Act, string Reason, double Hours, DateTimeOffset SignedAt);

/// <summary>GET /api/v1/overview without a policy (metering only): what every meter used since midnight UTC.</summary>
internal sealed record MeteringOverviewJson(
    bool HasPolicy, string? Community, DateTimeOffset At, IEnumerable<MeteringResourceJson> Resources, int DevicesTotal, int DevicesOffline);

internal sealed record MeteringResourceJson(
    string Resource, string Unit, string Period, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd, long Used, int Meters);

/// <summary>GET /api/v1/households/{id}: one household, its own member only.</summary>
internal sealed record HouseholdJson(string Id, int Persons, IReadOnlyList<string> Meters, IEnumerable<HouseholdResourceJson> Resources,
    IReadOnlyList<DeviceRow> Devices);

/// <summary>Amounts in base units of the period (null period: the policy has no section for it).</summary>
internal sealed record HouseholdResourceJson(
    string Resource, string Unit, long Used, long Floor, long Allowance, string? Period, DateTimeOffset? PeriodStart, DateTimeOffset? PeriodEnd,
    long Remaining, bool UnderFloor, string Sanction, string? SanctionReason, long CurtailedMinutes, IEnumerable<ChannelDecisionJson> Channels,
    History? History);

internal sealed record ChannelDecisionJson(string Meter, string Channel, string Use, string Decision, string? Reason);

internal sealed record BreakerJson(
    string Id, string Scope, string State, string? Reason, string? Safety, bool NeedsTechnician, DateTimeOffset Since, string? Meter, string? Channel);

/// <summary><c>amounts</c>: the command's raw amounts, each {value, unit} (CommandAmounts.Raw), or null.</summary>
internal sealed record CommandJson(
    string Cid, string Meter, string Op, string Detail, object? Amounts, DateTimeOffset Created, DateTimeOffset Expires, int Attempts,
    string State, DateTimeOffset? AckedAt, string? AckError, DateTimeOffset? ConfirmedAt, string? Why);

/// <summary>A proposal; <c>summary</c> and <c>diff</c> only for pending and refused ones.</summary>
internal sealed record ProposalJson(
    string Id, string Proposer, DateTimeOffset Created, DateTimeOffset EffectiveAt, IReadOnlyList<string> Approvals, int Needed, string State,
    string? Refusal, IReadOnlyList<string> Errors, string Yaml, IReadOnlyList<string>? Summary, IEnumerable<LineDiff.Line>? Diff);

internal sealed record AuditJson(long Seq, string Time, string Actor, string Role, string Kind, string Payload, string Hash);

/// <summary>GET /api/v1/audit: the newest records and whether the whole chain verifies.</summary>
internal sealed record AuditLogJson(AuditVerificationJson Verification, IEnumerable<AuditJson> Records);

internal sealed record AuditVerificationJson(bool Ok, long Records, long? FirstBrokenSeq, string? Problem, string Summary);

/// <summary>A chart's data (UsageSeries.Build): buckets of use in base units against the period's
/// <c>limit</c> (an allowance or the cap), and the same range one or more periods earlier.</summary>
internal sealed record UsageSeriesJson(
    string Resource, string Unit, string Period, string LimitKind, long Limit, string Bucket, string UtcOffset, string From, string To,
    long Total, IEnumerable<SeriesBucketJson> Buckets, PreviousSeriesJson Previous);

internal sealed record PreviousSeriesJson(string From, string To, long Total, IEnumerable<SeriesBucketJson> Buckets);

/// <summary><c>inPeriod</c>: use so far in the bucket's period (it starts again at each period's start).</summary>
internal sealed record SeriesBucketJson(DateTimeOffset Start, long Used, long InPeriod);
