using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Region;

/// <summary>What the councils decided, in region.db: budget proposals (the newest activated one is in
/// force), regional stages with their end, and loans between members.</summary>
public sealed partial class RegionLedger
{
    /// <summary>Saves a proposal; an active one gets the next activation order (the newest active budget is in force).</summary>
    public void SaveProposal(BudgetProposal p)
    {
        lock (_gate)
        {
            using var cmd = Command("""
                INSERT INTO region_proposals VALUES ($id, $r, $b, $n, $rule, $by, $a, $act,
                    CASE WHEN $act = 1 THEN (SELECT COALESCE(MAX(activated_order), 0) + 1 FROM region_proposals) END)
                ON CONFLICT (id) DO UPDATE SET approvals = excluded.approvals, active = excluded.active,
                    activated_order = COALESCE(region_proposals.activated_order, excluded.activated_order)
                """, ("$id", p.Id), ("$r", p.Resource.Name()), ("$b", p.BudgetPerPeriod), ("$n", p.NeedPerPersonPerPeriod),
                ("$rule", RegionalCouncil.RuleName(p.Rule)), ("$by", p.Proposer), ("$a", string.Join(',', p.Approvals.Order(StringComparer.Ordinal))),
                ("$act", p.Active ? 1 : 0));
            cmd.ExecuteNonQuery();
        }
    }

    public BudgetProposal? Proposal(string id) => Proposals("WHERE id = $id", ("$id", id)).FirstOrDefault();

    public IReadOnlyList<BudgetProposal> PendingProposals() => Proposals("WHERE active = 0 ORDER BY rowid");

    /// <summary>The budget the council put in force last for a resource, if any.</summary>
    public BudgetProposal? ActiveBudget(Resource r) =>
        Proposals("WHERE active = 1 AND resource = $r ORDER BY activated_order DESC LIMIT 1", ("$r", r.Name())).FirstOrDefault();

    private List<BudgetProposal> Proposals(string where, params (string, object)[] args)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT id, resource, budget, need, rule, proposer, approvals, active FROM region_proposals " + where, args);
            using var rd = cmd.ExecuteReader();
            var list = new List<BudgetProposal>();
            while (rd.Read())
            {
                Resources.TryParse(rd.GetString(1), out var r);
                var rule = rd.GetString(4) switch { "by_shares" => RegionalRule.ByShares, "by_recent_use" => RegionalRule.ByRecentUse, _ => RegionalRule.ByPopulation };
                var approvals = rd.GetString(6).Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                list.Add(new BudgetProposal(rd.GetString(0), r, rd.GetInt64(2), rd.GetInt64(3), rule, rd.GetString(5), approvals, rd.GetInt64(7) == 1));
            }
            return list;
        }
    }

    public void SaveStageProposal(StageProposal p)
    {
        lock (_gate)
        {
            using var cmd = Command("INSERT OR REPLACE INTO region_stage_proposals VALUES ($id, $r, $s, $h, $by, $a, $act)",
                ("$id", p.Id), ("$r", p.Resource.Name()), ("$s", p.Stage), ("$h", p.Hours), ("$by", p.Proposer),
                ("$a", string.Join(',', p.Approvals.Order(StringComparer.Ordinal))), ("$act", p.Active ? 1 : 0));
            cmd.ExecuteNonQuery();
        }
    }

    public StageProposal? StageProposal(string id)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT id, resource, stage, hours, proposer, approvals, active FROM region_stage_proposals WHERE id = $id", ("$id", id));
            using var rd = cmd.ExecuteReader();
            if (!rd.Read()) return null;
            Resources.TryParse(rd.GetString(1), out var r);
            return new StageProposal(rd.GetString(0), r, rd.GetInt32(2), rd.GetInt32(3), rd.GetString(4),
                rd.GetString(5).Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal), rd.GetInt64(6) == 1);
        }
    }

    public void SetStage(RegionalStage s)
    {
        lock (_gate)
        {
            using var cmd = Command("INSERT OR REPLACE INTO region_stages VALUES ($r, $s, $u, $p)",
                ("$r", s.Resource.Name()), ("$s", s.Stage), ("$u", s.UntilMs), ("$p", s.ProposalId));
            cmd.ExecuteNonQuery();
        }
    }

    public RegionalStage? Stage(Resource r)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT stage, until_ms, proposal FROM region_stages WHERE resource = $r", ("$r", r.Name()));
            using var rd = cmd.ExecuteReader();
            return rd.Read() ? new RegionalStage(r, rd.GetInt32(0), rd.GetInt64(1), rd.GetString(2)) : null;
        }
    }

    public void SaveLoan(Loan l)
    {
        lock (_gate)
        {
            using var cmd = Command("INSERT OR REPLACE INTO region_loans VALUES ($id, $r, $l, $b, $a, $f, $t, $la, $ba, $act)",
                ("$id", l.Id), ("$r", l.Resource.Name()), ("$l", l.Lender), ("$b", l.Borrower), ("$a", l.Amount), ("$f", l.FromMs), ("$t", l.ToMs),
                ("$la", string.Join(',', l.LenderApprovals.Order(StringComparer.Ordinal))), ("$ba", string.Join(',', l.BorrowerApprovals.Order(StringComparer.Ordinal))),
                ("$act", l.Active ? 1 : 0));
            cmd.ExecuteNonQuery();
        }
    }

    public Loan? Loan(string id) => Loans("WHERE id = $id", ("$id", id)).FirstOrDefault();

    /// <summary>Loans in force for the period starting <paramref name="fromMs"/>, in the order they were made.</summary>
    public IReadOnlyList<Loan> ActiveLoans(Resource r, long fromMs) =>
        Loans("WHERE active = 1 AND resource = $r AND from_ms = $f ORDER BY rowid", ("$r", r.Name()), ("$f", fromMs));

    public IReadOnlyList<Loan> AllLoans() => Loans("ORDER BY rowid");

    private List<Loan> Loans(string where, params (string, object)[] args)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT id, resource, lender, borrower, amount, from_ms, to_ms, lender_approvals, borrower_approvals, active FROM region_loans " + where, args);
            using var rd = cmd.ExecuteReader();
            var list = new List<Loan>();
            while (rd.Read())
            {
                Resources.TryParse(rd.GetString(1), out var r);
                static HashSet<string> Set(string csv) => csv.Split(',', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);
                list.Add(new Loan(rd.GetString(0), r, rd.GetString(2), rd.GetString(3), rd.GetInt64(4), rd.GetInt64(5), rd.GetInt64(6),
                    Set(rd.GetString(7)), Set(rd.GetString(8)), rd.GetInt64(9) == 1));
            }
            return list;
        }
    }
}
