using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>A loan of allowance: <see cref="Lender"/> gives <see cref="Amount"/> of its cap for the
/// period starting <see cref="FromMs"/> to <see cref="Borrower"/>. In force once both communities'
/// councils have approved, k of n each; for that period only.</summary>
public sealed record Loan(string Id, Resource Resource, string Lender, string Borrower, long Amount, long FromMs, long ToMs,
    IReadOnlySet<string> LenderApprovals, IReadOnlySet<string> BorrowerApprovals, bool Active);

public sealed record LoanResult(bool Accepted, string? Refusal, Loan? Loan);

/// <summary>Mutual aid between member communities (a community lends part of its allowance to another
/// in a drought). Both councils approve, k of n each (their members' accounts on the region's gateway,
/// Region:Communities:N:Council); the region's ledger records the loan and its audit chain every step;
/// both caps change for the loan's period only, so the loan ends by itself when the period does. The
/// region's total is unchanged (the lender's cap goes down by what the borrower's goes up) and the
/// lender never lends below its own floor.</summary>
public sealed class MutualAid(RegionOptions options, RegionLedger ledger, IAuditSink audit)
{
    private readonly Lock _gate = new();

    public LoanResult Propose(string actor, Resource resource, string lender, string borrower, long amount, long fromMs, long toMs)
    {
        lock (_gate)
        {
            if (options.Member(lender) is not { } l || options.Member(borrower) is null || lender == borrower)
                return Refuse(actor, $"a loan is between two different member communities ('{lender}' to '{borrower}')");
            if (!l.Council.Members.Contains(actor) && !options.Member(borrower)!.Council.Members.Contains(actor))
                return Refuse(actor, $"'{actor}' is on neither community's council");
            if (!options.Resources.ContainsKey(resource.Name())) return Refuse(actor, $"the region has no budget for {resource.Name()}");
            if (amount <= 0) return Refuse(actor, $"a loan is of a positive amount, not {amount}");
            var loan = new Loan("ln-" + Guid.NewGuid().ToString("N")[..12], resource, lender, borrower, amount, fromMs, toMs,
                new HashSet<string>(StringComparer.Ordinal), new HashSet<string>(StringComparer.Ordinal), false);
            ledger.SaveLoan(loan);
            audit.Append(actor, AuditRoles.Council, "region.loan.proposed",
                new { id = loan.Id, resource = resource.Name(), lender, borrower, amount, from_ms = fromMs, to_ms = toMs });
            return new(true, null, loan);
        }
    }

    /// <summary>A council member of the lender or the borrower approves; the loan is in force once both sides have their k.</summary>
    public LoanResult Approve(string loanId, string actor)
    {
        lock (_gate)
        {
            if (ledger.Loan(loanId) is not { } loan || loan.Active) return Refuse(actor, $"no pending loan {loanId}");
            var lender = options.Member(loan.Lender)!.Council;
            var borrower = options.Member(loan.Borrower)!.Council;
            if (lender.Members.Contains(actor)) loan = loan with { LenderApprovals = new HashSet<string>(loan.LenderApprovals, StringComparer.Ordinal) { actor } };
            else if (borrower.Members.Contains(actor)) loan = loan with { BorrowerApprovals = new HashSet<string>(loan.BorrowerApprovals, StringComparer.Ordinal) { actor } };
            else return Refuse(actor, $"'{actor}' is on neither '{loan.Lender}''s nor '{loan.Borrower}''s council");
            audit.Append(actor, AuditRoles.Council, "region.loan.approved",
                new { id = loanId, lender_approvals = loan.LenderApprovals.Count, lender_k = lender.K, borrower_approvals = loan.BorrowerApprovals.Count, borrower_k = borrower.K });
            if (lender.K > 0 && borrower.K > 0 && loan.LenderApprovals.Count >= lender.K && loan.BorrowerApprovals.Count >= borrower.K)
            {
                loan = loan with { Active = true };
                audit.Append("council", AuditRoles.Council, "region.loan.active", new
                {
                    id = loanId, resource = loan.Resource.Name(), lender = loan.Lender, borrower = loan.Borrower, amount = loan.Amount,
                    from_ms = loan.FromMs, to_ms = loan.ToMs,
                });
            }
            ledger.SaveLoan(loan);
            return new(true, null, loan);
        }
    }

    /// <summary>The caps after the loans in force for this period: each loan moves at most what the
    /// lender holds above its floor, so basic needs are never lent away and the total stays the same.</summary>
    public RegionalAllocationTable Apply(RegionalAllocationTable table, long fromMs)
    {
        var shares = table.Communities.ToDictionary(c => c.Community, c => c.ShareAmount, StringComparer.Ordinal);
        foreach (var loan in ledger.ActiveLoans(table.Resource, fromMs))
        {
            if (!shares.ContainsKey(loan.Lender) || !shares.ContainsKey(loan.Borrower)) continue;
            var moved = Math.Min(loan.Amount, shares[loan.Lender]);
            shares[loan.Lender] -= moved;
            shares[loan.Borrower] += moved;
        }
        return table with { Communities = [.. table.Communities.Select(c => c with { ShareAmount = shares[c.Community] })] };
    }

    private LoanResult Refuse(string actor, string why)
    {
        audit.Append(actor, AuditRoles.Council, "region.loan.refused", new { reason = why });
        return new(false, why, null);
    }
}
