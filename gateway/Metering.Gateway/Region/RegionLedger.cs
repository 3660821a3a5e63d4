using Commons.Metering.Gateway.Domain;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Region;

/// <summary>The region's exact record of its members' reports (region.db, SQLite, synchronous=FULL).
/// Every report is kept once under (community, seq); per community, resource and period only the
/// report with the highest seq counts, since use is cumulative within a period. So a report sent
/// twice, or an older one arriving after a newer one, changes nothing: nothing lost, nothing counted
/// twice. The caps last given are kept too, so a change of cap is audited once.</summary>
public sealed partial class RegionLedger : IDisposable
{
    private readonly SqliteConnection _c;
    private readonly Lock _gate = new();

    public RegionLedger(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _c.Open();
        Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        Exec("""
            CREATE TABLE IF NOT EXISTS region_reports(community TEXT NOT NULL, seq INTEGER NOT NULL, ts_ms INTEGER NOT NULL,
                received_ms INTEGER NOT NULL, body TEXT NOT NULL, PRIMARY KEY (community, seq));
            CREATE TABLE IF NOT EXISTS region_use(community TEXT NOT NULL, resource TEXT NOT NULL, from_ms INTEGER NOT NULL,
                seq INTEGER NOT NULL, used INTEGER NOT NULL, households INTEGER NOT NULL, persons INTEGER NOT NULL,
                stage INTEGER NOT NULL, breakers INTEGER NOT NULL, PRIMARY KEY (community, resource, from_ms));
            CREATE TABLE IF NOT EXISTS region_proposals(id TEXT PRIMARY KEY, resource TEXT NOT NULL, budget INTEGER NOT NULL,
                need INTEGER NOT NULL, rule TEXT NOT NULL, proposer TEXT NOT NULL, approvals TEXT NOT NULL, active INTEGER NOT NULL,
                activated_order INTEGER);
            CREATE TABLE IF NOT EXISTS region_stage_proposals(id TEXT PRIMARY KEY, resource TEXT NOT NULL, stage INTEGER NOT NULL,
                hours INTEGER NOT NULL, proposer TEXT NOT NULL, approvals TEXT NOT NULL, active INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS region_stages(resource TEXT PRIMARY KEY, stage INTEGER NOT NULL, until_ms INTEGER NOT NULL, proposal TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS region_loans(id TEXT PRIMARY KEY, resource TEXT NOT NULL, lender TEXT NOT NULL, borrower TEXT NOT NULL,
                amount INTEGER NOT NULL, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL, lender_approvals TEXT NOT NULL,
                borrower_approvals TEXT NOT NULL, active INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS region_gauges(name TEXT PRIMARY KEY, value INTEGER NOT NULL, ts_ms INTEGER NOT NULL, community TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS region_triggers(resource TEXT NOT NULL, idx INTEGER NOT NULL, active INTEGER NOT NULL,
                latched INTEGER NOT NULL, PRIMARY KEY (resource, idx));
            CREATE TABLE IF NOT EXISTS region_triggered(resource TEXT PRIMARY KEY, stage INTEGER NOT NULL, until_ms INTEGER NOT NULL, cause TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS region_caps(community TEXT NOT NULL, resource TEXT NOT NULL, from_ms INTEGER NOT NULL,
                cap INTEGER NOT NULL, floor INTEGER NOT NULL, PRIMARY KEY (community, resource, from_ms));
            """);
    }

    /// <summary>Stores a report in one transaction; false when (community, seq) was already held (a resend).</summary>
    public bool Store(RegionReport report, string body, long receivedMs)
    {
        lock (_gate)
        {
            using var tx = _c.BeginTransaction();
            var inserted = Run(tx, "INSERT OR IGNORE INTO region_reports VALUES ($c, $s, $ts, $rx, $b)",
                ("$c", report.Community), ("$s", report.Seq), ("$ts", report.TsMs), ("$rx", receivedMs), ("$b", body)) == 1;
            if (inserted)
                foreach (var u in report.Resources)
                    Run(tx, """
                        INSERT INTO region_use VALUES ($c, $r, $f, $s, $u, $h, $p, $st, $b)
                        ON CONFLICT (community, resource, from_ms) DO UPDATE SET seq = excluded.seq, used = excluded.used,
                            households = excluded.households, persons = excluded.persons, stage = excluded.stage, breakers = excluded.breakers
                        WHERE excluded.seq > region_use.seq
                        """, ("$c", report.Community), ("$r", u.Resource.Name()), ("$f", u.FromMs), ("$s", report.Seq), ("$u", u.Used),
                        ("$h", u.Households), ("$p", u.Persons), ("$st", u.Stage), ("$b", report.OpenBreakers));
            tx.Commit();
            return inserted;
        }
    }

    /// <summary>Each community's counted use of a resource in the period starting at <paramref name="fromMs"/>.</summary>
    public IReadOnlyDictionary<string, CountedUse> Use(Resource resource, long fromMs)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT community, seq, used, households, persons, stage, breakers FROM region_use WHERE resource = $r AND from_ms = $f",
                ("$r", resource.Name()), ("$f", fromMs));
            using var rd = cmd.ExecuteReader();
            var result = new Dictionary<string, CountedUse>(StringComparer.Ordinal);
            while (rd.Read())
                result[rd.GetString(0)] = new CountedUse(rd.GetInt64(1), rd.GetInt64(2), rd.GetInt32(3), rd.GetInt64(4), rd.GetInt32(5), rd.GetInt32(6));
            return result;
        }
    }

    /// <summary>The latest population a community reported for a resource, in any period (0 if never).</summary>
    public long LatestPersons(string community, Resource resource)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT persons FROM region_use WHERE community = $c AND resource = $r ORDER BY from_ms DESC, seq DESC LIMIT 1",
                ("$c", community), ("$r", resource.Name()));
            return cmd.ExecuteScalar() is long p ? p : 0;
        }
    }

    public long ReportCount(string community)
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT COUNT(*) FROM region_reports WHERE community = $c", ("$c", community));
            return (long)cmd.ExecuteScalar()!;
        }
    }

    /// <summary>Records the cap given; returns the one given before for that period (null: first).</summary>
    public (long Cap, long Floor)? SwapCap(string community, Resource resource, long fromMs, long cap, long floor)
    {
        lock (_gate)
        {
            using var tx = _c.BeginTransaction();
            using var get = Command("SELECT cap, floor FROM region_caps WHERE community = $c AND resource = $r AND from_ms = $f",
                ("$c", community), ("$r", resource.Name()), ("$f", fromMs));
            get.Transaction = tx;
            (long, long)? before = null;
            using (var rd = get.ExecuteReader())
                if (rd.Read()) before = (rd.GetInt64(0), rd.GetInt64(1));
            Run(tx, "INSERT OR REPLACE INTO region_caps VALUES ($c, $r, $f, $cap, $floor)",
                ("$c", community), ("$r", resource.Name()), ("$f", fromMs), ("$cap", cap), ("$floor", floor));
            tx.Commit();
            return before;
        }
    }

    public void Dispose() => _c.Dispose();

    private void Exec(string sql)
    {
        using var cmd = _c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private int Run(SqliteTransaction tx, string sql, params (string, object)[] args)
    {
        using var cmd = Command(sql, args);
        cmd.Transaction = tx;
        return cmd.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string, object)[] args)
    {
        var cmd = _c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        return cmd;
    }
}

/// <summary>A community's use of one resource in one period as the region counts it: its newest report's.</summary>
public sealed record CountedUse(long Seq, long Used, int Households, long Persons, int Stage, int OpenBreakers);
