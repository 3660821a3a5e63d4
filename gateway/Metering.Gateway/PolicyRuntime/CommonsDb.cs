using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Storage;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>The runtime state that must survive a restart (commands, locked breakers, stage, emergency,
/// signatures, proposals) in its OWN SQLite file (commons.db), so the policy runtime never contends
/// with the ledger writer's connection on metering.db. One connection (AdoCommonsStore), used under the runtime's lock;
/// WAL + synchronous=FULL: a command is on disk before it is handed to the broker
/// (https://sqlite.org/pragma.html#pragma_synchronous). The schema's steps are in CommonsDbSchema.cs.</summary>
internal sealed class CommonsDb : AdoCommonsStore
{
    public CommonsDb(string path) : base(Open(path))
    {
    }

    private static SqliteConnection Open(string path)
    {
        var fullPath = Path.GetFullPath(path);
        Directory.CreateDirectory(Path.GetDirectoryName(fullPath)!);
        var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        try
        {
            c.Open();
            SqliteMigrator.Execute(c, null, "PRAGMA journal_mode=WAL;");
            SqliteMigrator.Execute(c, null, "PRAGMA synchronous=FULL;");
            SqliteMigrator.Migrate(c, CommonsDbSchema.Plan);
            return c;
        }
        catch
        {
            c.Dispose();
            throw;
        }
    }

    // ---- commands ----

    public override void Upsert(CommandRecord r) => Exec("""
        INSERT INTO commands VALUES ($cid,$meter,$key,$wire,$cut,$why,$created,$state,$attempts,$next,$sent,$acked,$err,$confirmed)
        ON CONFLICT(cid) DO UPDATE SET state=$state, attempts=$attempts, next_attempt_ms=$next, sent_ms=$sent, acked_ms=$acked,
          ack_error=$err, confirmed_ms=$confirmed, why=$why
        """, ("$cid", r.Cid), ("$meter", r.Meter), ("$key", r.Key), ("$wire", Wire(r)), ("$cut", r.Cut ? 1 : 0),
        ("$why", r.Why), ("$created", r.CreatedMs), ("$state", r.State.ToString()), ("$attempts", r.Attempts), ("$next", r.NextAttemptMs),
        ("$sent", r.SentMs), ("$acked", r.AckedMs), ("$err", r.AckError), ("$confirmed", r.ConfirmedMs));

    /// <summary>Commands not final yet plus the newest command of every key (the state last commanded).</summary>
    public override IReadOnlyList<CommandRecord> LoadLive() => Commands($"""
        SELECT {CommandColumns} FROM commands WHERE state IN ('Pending','Sent','Acked')
        UNION SELECT {CommandColumns} FROM commands WHERE rowid IN (SELECT max(rowid) FROM commands GROUP BY key)
        ORDER BY created_ms, cid
        """);

    public override IReadOnlyList<CommandRecord> Newest(int limit) =>
        Commands($"SELECT {CommandColumns} FROM commands ORDER BY rowid DESC LIMIT $n", ("$n", limit));

    public override long CountCommands() => (long)Scalar("SELECT count(*) FROM commands")!;

    // ---- key/value, signatures, breakers, proposals ----

    public override string? Get(string key) => Scalar("SELECT value FROM kv WHERE key=$k", ("$k", key)) as string;

    public override void Set(string key, string? value)
    {
        if (value is null) Exec("DELETE FROM kv WHERE key=$k", ("$k", key));
        else Exec("INSERT INTO kv VALUES ($k,$v) ON CONFLICT(key) DO UPDATE SET value=$v", ("$k", key), ("$v", value));
    }

    public override void Sign(string act, string member, string reason, long durationS, long signedMs) =>
        Exec("INSERT OR REPLACE INTO signatures VALUES ($a,$m,$r,$d,$t)", ("$a", act), ("$m", member), ("$r", reason), ("$d", durationS), ("$t", signedMs));

    public override void ClearSignatures(string act) => Exec("DELETE FROM signatures WHERE act=$a", ("$a", act));

    public override IReadOnlyList<(string Member, string Reason, long DurationS, long SignedMs)> Signatures(string act) =>
        SignatureRows("SELECT member, reason, duration_s, signed_ms FROM signatures WHERE act=$a ORDER BY signed_ms", ("$a", act));

    public override void SaveBreaker(string id, string state, string? reason, string? safety, bool technician, long sinceMs, long? untilMs = null, int? trips = null) =>
        Exec("INSERT OR REPLACE INTO breakers (id, state, reason, safety, technician, since_ms, until_ms, trips) VALUES ($i,$s,$r,$f,$t,$m,$u,$n)",
            ("$i", id), ("$s", state), ("$r", reason), ("$f", safety), ("$t", technician ? 1 : 0), ("$m", sinceMs), ("$u", untilMs), ("$n", trips));

    public override IReadOnlyList<(string Id, string State, string? Reason, string? Safety, bool Technician, long SinceMs, long? UntilMs, int? Trips)> Breakers() =>
        BreakerRows("SELECT id, state, reason, safety, technician, since_ms, until_ms, trips FROM breakers");

    public override void SaveProposal(string id, string yaml, string proposer, long effectiveMs, IEnumerable<string> approvals, string state, long createdMs) =>
        Exec("""
            INSERT INTO proposals VALUES ($i,$y,$p,$e,$a,$s,$c)
            ON CONFLICT(id) DO UPDATE SET approvals=$a, state=$s, effective_ms=$e, proposer=$p, created_ms=$c
            """, ("$i", id), ("$y", yaml), ("$p", proposer), ("$e", effectiveMs), ("$a", string.Join(",", approvals)), ("$s", state), ("$c", createdMs));

    public override IReadOnlyList<(string Id, string Yaml, string Proposer, long EffectiveMs, string[] Approvals, string State, long CreatedMs)> Proposals() =>
        ProposalRows("SELECT id, yaml, proposer, effective_ms, approvals, state, created_ms FROM proposals ORDER BY created_ms DESC");

    /// <summary>A refused proposal, kept so the council sees what was refused and why (not only the audit log).</summary>
    public override void SaveRefusal(long createdMs, string proposer, string yaml, string reason, IReadOnlyList<string> errors) =>
        Exec("INSERT INTO refusals VALUES ($c,$p,$y,$r,$e)", ("$c", createdMs), ("$p", proposer), ("$y", yaml), ("$r", reason), ("$e", ErrorsJson(errors)));

    /// <summary>Newest first.</summary>
    public override IReadOnlyList<(long CreatedMs, string Proposer, string Yaml, string Reason, string[] Errors)> Refusals(int limit) =>
        RefusalRows("SELECT created_ms, proposer, yaml, reason, errors FROM refusals ORDER BY created_ms DESC LIMIT $n", ("$n", limit));
}
