using System.Security.Cryptography;
using System.Text;

namespace Commons.Metering.Gateway.Policy;

/// <summary>A proposed new policy file, validated in full when proposed.</summary>
public sealed record PolicyProposal(string Id, CommunityPolicy Policy, DateTimeOffset EffectiveAt, string Proposer, IReadOnlySet<string> Approvals);

public sealed record ProposalResult(bool Accepted, string? Refusal, PolicyProposal? Proposal, IReadOnlyList<PolicyError> Errors);

/// <summary>Policy changes as proposals: a new file takes effect only with k approvals from
/// the council of the policy in force (k of n, as that policy states), and not before its stated time.
/// It is validated in full when proposed, so an approved change can never fail half-way. Proposals,
/// approvals, refusals and activations are audited, the activation with the SHA-256 of the file.</summary>
public sealed class PolicyChanges(PolicyStore store, TimeProvider time, IAuditSink audit)
{
    private readonly Dictionary<string, PolicyProposal> _pending = [];
    private readonly Lock _gate = new();

    public IReadOnlyCollection<PolicyProposal> Pending { get { lock (_gate) return [.. _pending.Values]; } }

    public ProposalResult Propose(string yaml, string fileName, DateTimeOffset effectiveAt, string proposer)
    {
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(yaml)));
        var parsed = PolicyLoader.Parse(yaml, fileName);
        lock (_gate)
        {
            if (parsed.Policy is null)
                return Refuse(proposer, $"{parsed.Errors.Length} errors in {fileName}; first: {parsed.Errors[0]}", parsed.Errors);
            if (parsed.Policy.Community != store.Current.Community)
                return Refuse(proposer, $"the file is for community '{parsed.Policy.Community}', this gateway runs '{store.Current.Community}'", []);
            var p = new PolicyProposal(id, parsed.Policy, effectiveAt, proposer, new HashSet<string>());
            _pending[id] = p;
            audit.Append(proposer, AuditRoles.Council, "policy.proposed", new { id, file = fileName, effective_at = effectiveAt.ToString("O") });
            return new(true, null, p, []);
        }
    }

    /// <summary>After a restart: a pending proposal persisted, without auditing it again.</summary>
    public void Restore(PolicyProposal proposal)
    {
        lock (_gate) _pending[proposal.Id] = proposal;
    }

    /// <summary>Records a council member's approval; activates the proposal when quorum and time allow.</summary>
    public ProposalResult Approve(string proposalId, string memberId)
    {
        PolicyProposal? p;
        lock (_gate)
        {
            if (!_pending.TryGetValue(proposalId, out p)) return Refuse(memberId, $"no pending proposal {proposalId}", []);
            var council = store.Current.Council;
            if (!council.Members.Contains(memberId))
                return Refuse(memberId, $"'{memberId}' is not a member of the council in force", []);
            var approvals = new HashSet<string>(p.Approvals) { memberId };
            p = p with { Approvals = approvals };
            _pending[proposalId] = p;
            audit.Append(memberId, AuditRoles.Council, "policy.approved", new { id = proposalId, approvals = approvals.Count, k = council.K });
        }
        Activate();
        return new(true, null, p, []);
    }

    /// <summary>Puts every due, approved proposal in force (latest effective time wins); call it on a
    /// timer or after each approval. Returns whether the policy changed.</summary>
    public bool Activate()
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            var k = store.Current.Council.K;
            var due = _pending.Values.Where(p => p.EffectiveAt <= now && p.Approvals.Count >= k).OrderBy(p => p.EffectiveAt).ToList();
            foreach (var p in due)
            {
                store.Swap(p.Policy);
                _pending.Remove(p.Id);
                audit.Append("council", AuditRoles.Council, "policy.activated",
                    new { id = p.Id, approvals = p.Approvals.Order(StringComparer.Ordinal).ToArray(), effective_at = p.EffectiveAt.ToString("O") });
            }
            return due.Count > 0;
        }
    }

    private ProposalResult Refuse(string actor, string why, IReadOnlyList<PolicyError> errors)
    {
        audit.Append(actor, AuditRoles.Council, "policy.refused", new { reason = why });
        return new(false, why, null, errors);
    }
}
