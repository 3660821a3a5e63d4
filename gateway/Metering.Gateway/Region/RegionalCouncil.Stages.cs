using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>A proposed regional stage for one resource, for at most Region:StageMaxHours.</summary>
public sealed record StageProposal(string Id, Resource Resource, int Stage, int Hours, string Proposer, IReadOnlySet<string> Approvals, bool Active);

/// <summary>A regional stage in force until <see cref="UntilMs"/>, when it ends by itself.</summary>
public sealed record RegionalStage(Resource Resource, int Stage, long UntilMs, string ProposalId);

/// <summary>Regional stages (a drought on the river): declared by k of n delegates for a stated
/// number of hours, at most Region:StageMaxHours; a fresh quorum is needed to go on (docs/design.md
/// rule 4: emergencies end by themselves). Every member community holds at least this stage; each
/// may be stricter.</summary>
public sealed partial class RegionalCouncil
{
    public CouncilResult ProposeStage(string delegateId, Resource resource, int stage, int hours, out StageProposal? proposal)
    {
        proposal = null;
        lock (_gate)
        {
            if (!Council.Members.Contains(delegateId)) return Refuse(delegateId, $"'{delegateId}' is not a delegate of the regional council");
            if (!options.Resources.ContainsKey(resource.Name())) return Refuse(delegateId, $"the region has no budget for {resource.Name()}");
            if (stage is < 0 or > 3) return Refuse(delegateId, $"a stage is 0-3, not {stage}");
            if (hours < 1 || hours > options.StageMaxHours) return Refuse(delegateId, $"a regional stage lasts 1 to {options.StageMaxHours} hours, not {hours}");
            proposal = new StageProposal("rs-" + Guid.NewGuid().ToString("N")[..12], resource, stage, hours, delegateId, new HashSet<string>(StringComparer.Ordinal), false);
            ledger.SaveStageProposal(proposal);
            audit.Append(delegateId, AuditRoles.Council, "region.stage.proposed", new { id = proposal.Id, resource = resource.Name(), stage, hours });
            return new(true, null, null);
        }
    }

    /// <summary>The k-th distinct approval puts the stage in force from <paramref name="now"/> for its hours.</summary>
    public CouncilResult ApproveStage(string proposalId, string delegateId, DateTimeOffset now, out StageProposal? proposal)
    {
        proposal = null;
        lock (_gate)
        {
            if (!Council.Members.Contains(delegateId)) return Refuse(delegateId, $"'{delegateId}' is not a delegate of the regional council");
            if (ledger.StageProposal(proposalId) is not { } p || p.Active) return Refuse(delegateId, $"no pending stage proposal {proposalId}");
            p = p with { Approvals = new HashSet<string>(p.Approvals, StringComparer.Ordinal) { delegateId } };
            audit.Append(delegateId, AuditRoles.Council, "region.stage.approved", new { id = proposalId, approvals = p.Approvals.Count, k = Council.K });
            if (p.Approvals.Count >= Council.K)
            {
                p = p with { Active = true };
                var until = now.AddHours(p.Hours);
                ledger.SetStage(new RegionalStage(p.Resource, p.Stage, until.ToUnixTimeMilliseconds(), p.Id));
                audit.Append("council", AuditRoles.Council, "region.stage.declared", new
                {
                    id = proposalId,
                    resource = p.Resource.Name(),
                    stage = p.Stage,
                    until = until.ToString("O"),
                    approvals = p.Approvals.Order(StringComparer.Ordinal).ToArray(),
                });
            }
            ledger.SaveStageProposal(p);
            proposal = p;
            return new(true, null, null);
        }
    }

    /// <summary>Stages raised by members' gauges (Region:Resources:{resource}:Triggers).</summary>
    public RegionalStageTriggers Triggers { get; } = new(options, ledger, audit);

    /// <summary>The regional stage of a resource at <paramref name="now"/>: the higher of the declared and
    /// the triggered one (on a tie the later end), each ending by itself; null when neither is in force.</summary>
    public RegionalStage? StageAt(Resource r, DateTimeOffset now)
    {
        var declared = ledger.Stage(r) is { } s && now.ToUnixTimeMilliseconds() < s.UntilMs && s.Stage > 0 ? s : null;
        var triggered = Triggers.StageAt(r, now);
        if (declared is null || triggered is null) return declared ?? triggered;
        return triggered.Stage > declared.Stage || (triggered.Stage == declared.Stage && triggered.UntilMs > declared.UntilMs) ? triggered : declared;
    }
}
