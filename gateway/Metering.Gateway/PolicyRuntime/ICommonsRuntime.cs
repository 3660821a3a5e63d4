using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The policy in action as the dashboard and API see it: what is in
/// force, what the engine decided, and the few acts people take on it. Every act names its actor
/// (the signed-in account) and is written to the audit log with that actor before it returns.
/// Implemented by <c>CommonsRuntime</c>; the HTTP layer only authorizes and calls it.</summary>
public interface ICommonsRuntime
{
    /// <summary>False when no policy file is configured: the gateway meters, nothing is enforced.</summary>
    bool HasPolicy { get; }

    /// <summary>Per resource: use against the cap for the current period, stage and why, the
    /// emergency with its time left, open breakers and offline devices.</summary>
    CommunityOverview Overview();

    /// <summary>One household (null when the id is unknown): use against allowance and floor per
    /// resource, sanction level with its reason, curtailed minutes, its channels' decisions.</summary>
    HouseholdView? Household(string householdId);

    IReadOnlyList<BreakerView> Breakers();

    /// <summary>Newest first: commands sent to devices with their acknowledgement and confirmation.</summary>
    IReadOnlyList<CommandView> Commands(int limit);

    /// <summary>Newest first: pending and activated proposals, and the latest refused ones with why.</summary>
    IReadOnlyList<ProposalView> Proposals();

    /// <summary>The text of the policy file in force (the activated proposal's, else the configured file's);
    /// null when that file can no longer be read.</summary>
    string? PolicyYaml();

    /// <summary>Newest first.</summary>
    IReadOnlyList<AuditRecord> Audit(int limit);

    AuditVerification VerifyAudit();

    // Acts. Each returns Accepted=false with a plain-language Refusal rather than throwing for
    // anything a person can get wrong (no quorum, unknown id, invalid policy YAML with its errors).

    /// <summary>Council: a new policy (whole YAML file) to take effect at <paramref name="effectiveAt"/>
    /// once k council members approved it (the proposer's own approval counts as one).</summary>
    ActResult Propose(string actor, string yaml, DateTimeOffset effectiveAt);

    /// <summary>Council: approve a pending proposal.</summary>
    ActResult Approve(string actor, string proposalId);

    /// <summary>Council: sign a declaration of emergency; it is declared once k distinct members
    /// signed the same reason within the approval window, and ends by itself at its sunset.</summary>
    ActResult DeclareEmergency(string actor, string reason, TimeSpan duration);

    /// <summary>Council: sign a renewal; needs a fresh quorum like a declaration.</summary>
    ActResult RenewEmergency(string actor, TimeSpan duration);

    /// <summary>Technician: close a tripped safety breaker (leak, burst, overcurrent, tamper) after
    /// inspection; sends the reset/reopen command to the device.</summary>
    ActResult ResetBreaker(string actor, string breakerId);

    /// <summary>Administrator: an act on someone else's account that the community must be able to see
    /// (a password reset) goes into the hash-chained audit log beside the policy acts.</summary>
    void RecordAccountAct(string administrator, string kind, object payload);

    /// <summary>Technician: a decision on a held implausible reading (reading.accepted, reading.rejected),
    /// already applied by the ledger, goes into the audit log with who and why.</summary>
    void RecordHeldDecision(string technician, string kind, object payload);

    /// <summary>Live changes (stage changes, trips and resets, commands acknowledged or escalated,
    /// emergency declared or expired, policy activated). Each subscriber gets its own bounded
    /// stream; a slow reader loses the oldest events, never blocks the engine.</summary>
    IAsyncEnumerable<CommonsEvent> Subscribe(CancellationToken cancellationToken);
}

public sealed record ActResult(bool Accepted, string? Refusal = null, string? Id = null, IReadOnlyList<string>? Errors = null)
{
    public static ActResult Ok(string? id = null) => new(true, null, id);
    public static ActResult Refused(string why, IReadOnlyList<string>? errors = null) => new(false, why, null, errors);
}

public sealed record CommunityOverview(
    string Community, int PolicyVersion, IReadOnlyList<ResourceOverview> Resources, EmergencyView? Emergency,
    int OpenBreakers, int DevicesOffline, int DevicesTotal, DateTimeOffset At);

/// <summary>Use is the sum of household meters for the current period, base units (mL, Wh, g).</summary>
public sealed record ResourceOverview(
    Resource Resource, string Period, DateTimeOffset PeriodStart, DateTimeOffset PeriodEnd,
    long Used, long Cap, int Stage, string StageReason);

/// <summary>An emergency in force (Active), or a declaration still waiting for its quorum (not Active:
/// DeclaredBy "pending", no sunset yet). Signatures are the council's signatures waiting for a quorum:
/// of the declaration when pending, of a renewal when active; Needed is the quorum k.</summary>
public sealed record EmergencyView(string Reason, string DeclaredBy, DateTimeOffset Start, DateTimeOffset Sunset, TimeSpan Remaining, int Renewals,
    IReadOnlyList<string> PendingSignatures, bool Active = true, IReadOnlyList<SignatureView>? Signatures = null, int Needed = 0,
    TimeSpan MaxDuration = default);

/// <summary>One council member's signature of a declaration or renewal: for how long, when.</summary>
public sealed record SignatureView(string Member, string Act, string Reason, TimeSpan Duration, DateTimeOffset SignedAt);

public sealed record HouseholdView(string Id, int Persons, IReadOnlyList<HouseholdResourceView> Resources, IReadOnlyList<string> Meters);

public sealed record HouseholdResourceView(
    Resource Resource, long Used, long Floor, long Allowance, long Remaining, bool UnderFloor,
    string Sanction, string? SanctionReason, long CurtailedMinutes, IReadOnlyList<ChannelDecisionView> Channels);

public sealed record ChannelDecisionView(string Meter, string Channel, string Use, string Decision, string? Reason);

public sealed record BreakerView(
    string Id, string Scope, string State, string? Reason, string? Safety, bool NeedsTechnician, DateTimeOffset Since, string? Meter, string? Channel);

public sealed record CommandView(
    string Cid, string Meter, string Op, string Detail, DateTimeOffset Created, DateTimeOffset Expires, int Attempts,
    string State, DateTimeOffset? AckedAt, string? AckError, DateTimeOffset? ConfirmedAt, string? Why)
{
    /// <summary>The command as sent (raw amounts in the meter's base unit), for the API to show with units.</summary>
    public Actuation.Command? Wire { get; init; }
}

/// <summary>State: pending, activated or refused (a refused proposal has its Refusal and Errors, no approvals).</summary>
public sealed record ProposalView(string Id, string Proposer, DateTimeOffset EffectiveAt, IReadOnlyList<string> Approvals, int Needed, string State,
    string Yaml, DateTimeOffset Created, string? Refusal = null, IReadOnlyList<string>? Errors = null);

/// <summary>Kind: stage, trip, reset, command, emergency, policy, reading.</summary>
public sealed record CommonsEvent(string Kind, string Summary, DateTimeOffset At, string? Meter = null);
