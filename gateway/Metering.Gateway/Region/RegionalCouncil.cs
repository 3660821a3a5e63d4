using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>A proposed regional budget for one resource (its period stays the configured one, so the
/// members' reports keep matching).</summary>
public sealed record BudgetProposal(string Id, Resource Resource, long BudgetPerPeriod, long NeedPerPersonPerPeriod, RegionalRule Rule,
    string Proposer, IReadOnlySet<string> Approvals, bool Active);

public sealed record CouncilResult(bool Accepted, string? Refusal, BudgetProposal? Proposal);

/// <summary>The regional council: the member communities' delegates change a regional budget only
/// with k distinct approvals of n (docs/design.md rule 5), as a community's council changes its policy
/// (Policy/PolicyChanges.cs, whose proposals are whole community policy files, so it is not reused as
/// is). A proposal, each approval, each refusal and the activation go into the region's audit chain;
/// proposals and the budgets in force are kept in region.db, so a restart keeps them.</summary>
public sealed partial class RegionalCouncil(RegionOptions options, RegionLedger ledger, IAuditSink audit)
{
    private readonly Lock _gate = new();

    public Council Council { get; } = new(options.Council.K, [.. options.Council.Members]);

    public CouncilResult Propose(string delegateId, Resource resource, long budgetPerPeriod, long needPerPersonPerPeriod, RegionalRule rule)
    {
        lock (_gate)
        {
            if (!Council.Members.Contains(delegateId)) return Refuse(delegateId, $"'{delegateId}' is not a delegate of the regional council");
            if (!options.Resources.ContainsKey(resource.Name())) return Refuse(delegateId, $"the region has no budget for {resource.Name()}");
            if (budgetPerPeriod < 0 || needPerPersonPerPeriod < 0) return Refuse(delegateId, "a budget and a basic need cannot be negative");
            var id = "rb-" + Guid.NewGuid().ToString("N")[..12];
            var p = new BudgetProposal(id, resource, budgetPerPeriod, needPerPersonPerPeriod, rule, delegateId, new HashSet<string>(StringComparer.Ordinal), false);
            ledger.SaveProposal(p);
            audit.Append(delegateId, AuditRoles.Council, "region.budget.proposed",
                new { id, resource = resource.Name(), budget = budgetPerPeriod, need_per_person = needPerPersonPerPeriod, rule = RuleName(rule) });
            return new(true, null, p);
        }
    }

    /// <summary>Records a delegate's approval; the k-th distinct one puts the budget in force.</summary>
    public CouncilResult Approve(string proposalId, string delegateId)
    {
        lock (_gate)
        {
            if (!Council.Members.Contains(delegateId)) return Refuse(delegateId, $"'{delegateId}' is not a delegate of the regional council");
            if (ledger.Proposal(proposalId) is not { } p || p.Active) return Refuse(delegateId, $"no pending proposal {proposalId}");
            p = p with { Approvals = new HashSet<string>(p.Approvals, StringComparer.Ordinal) { delegateId } };
            audit.Append(delegateId, AuditRoles.Council, "region.budget.approved", new { id = proposalId, approvals = p.Approvals.Count, k = Council.K });
            if (p.Approvals.Count >= Council.K)
            {
                p = p with { Active = true };
                ledger.SaveProposal(p);
                audit.Append("council", AuditRoles.Council, "region.budget.activated", new
                {
                    id = proposalId,
                    resource = p.Resource.Name(),
                    budget = p.BudgetPerPeriod,
                    need_per_person = p.NeedPerPersonPerPeriod,
                    rule = RuleName(p.Rule),
                    approvals = p.Approvals.Order(StringComparer.Ordinal).ToArray(),
                });
            }
            else ledger.SaveProposal(p);
            return new(true, null, p);
        }
    }

    public IReadOnlyList<BudgetProposal> Pending() => ledger.PendingProposals();

    /// <summary>The budget in force for a resource: the last one the council activated, else the configured one.</summary>
    public RegionalBudget Budget(Resource r)
    {
        var configured = options.Budget(r);
        return ledger.ActiveBudget(r) is { } p
            ? configured with { BudgetPerPeriod = p.BudgetPerPeriod, NeedPerPersonPerPeriod = p.NeedPerPersonPerPeriod, Rule = p.Rule }
            : configured;
    }

    public static string RuleName(RegionalRule r) => r switch
    {
        RegionalRule.ByShares => "by_shares",
        RegionalRule.ByRecentUse => "by_recent_use",
        _ => "by_population",
    };

    private CouncilResult Refuse(string actor, string why)
    {
        audit.Append(actor, AuditRoles.Council, "region.budget.refused", new { reason = why });
        return new(false, why, null);
    }
}
