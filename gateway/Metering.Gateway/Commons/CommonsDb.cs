using System.Text.Json;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Storage;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Commons;

/// <summary>The runtime state that must survive a restart (commands, locked breakers, stage, emergency,
/// signatures, proposals) in its OWN SQLite file (commons.db), so the policy runtime never contends
/// with the ledger writer's connection on metering.db. One connection, used under the runtime's lock;
/// WAL + synchronous=FULL: a command is on disk before it is handed to the broker
/// (https://sqlite.org/pragma.html#pragma_synchronous). The schema's steps are in CommonsDbSchema.cs.</summary>
internal sealed class CommonsDb : ICommonsStore
{
    private readonly SqliteConnection _c;
    // The dashboard reads while the runtime loop writes: one connection, one statement at a time.
    private readonly Lock _gate = new();

    public CommonsDb(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var fullPath = Path.GetFullPath(path);
        _c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = fullPath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _c.Open();
        Exec("PRAGMA journal_mode=WAL;");
        Exec("PRAGMA synchronous=FULL;");
        SqliteMigrator.Migrate(_c, CommonsDbSchema.Plan);
    }

    private SqliteTransaction? _tx;
    private int _depth;

    /// <summary>One transaction (one fsync) for everything written until the scope ends: the runtime writes
    /// a whole pass in one, so a burst of trips costs one sync, not three per command. Nestable.</summary>
    public IDisposable Batch()
    {
        lock (_gate)
        {
            if (_depth++ == 0) _tx = _c.BeginTransaction();
        }
        return new BatchScope(this);
    }

    private void EndBatch()
    {
        lock (_gate)
        {
            if (--_depth > 0) return;
            _tx!.Commit();
            _tx.Dispose();
            _tx = null;
        }
    }

    private sealed class BatchScope(CommonsDb db) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            db.EndBatch();
        }
    }

    // ---- commands ----

    public void Upsert(CommandRecord r) => Exec("""
        INSERT INTO commands VALUES ($cid,$meter,$key,$wire,$cut,$why,$created,$state,$attempts,$next,$sent,$acked,$err,$confirmed)
        ON CONFLICT(cid) DO UPDATE SET state=$state, attempts=$attempts, next_attempt_ms=$next, sent_ms=$sent, acked_ms=$acked,
          ack_error=$err, confirmed_ms=$confirmed, why=$why
        """, ("$cid", r.Cid), ("$meter", r.Meter), ("$key", r.Key), ("$wire", JsonSerializer.Serialize(r.Wire)), ("$cut", r.Cut ? 1 : 0),
        ("$why", r.Why), ("$created", r.CreatedMs), ("$state", r.State.ToString()), ("$attempts", r.Attempts), ("$next", r.NextAttemptMs),
        ("$sent", r.SentMs), ("$acked", r.AckedMs), ("$err", r.AckError), ("$confirmed", r.ConfirmedMs));

    /// <summary>Commands not final yet plus the newest command of every key (the state last commanded).</summary>
    public IReadOnlyList<CommandRecord> LoadLive() => Query("""
        SELECT * FROM commands WHERE state IN ('Pending','Sent','Acked')
        UNION SELECT * FROM commands WHERE rowid IN (SELECT max(rowid) FROM commands GROUP BY key)
        ORDER BY created_ms, cid
        """);

    public IReadOnlyList<CommandRecord> Newest(int limit) =>
        Query("SELECT * FROM commands ORDER BY rowid DESC LIMIT $n", ("$n", limit));

    public long CountCommands() => (long)Scalar("SELECT count(*) FROM commands")!;

    // ---- key/value, signatures, breakers, proposals ----

    public string? Get(string key) => Scalar("SELECT value FROM kv WHERE key=$k", ("$k", key)) as string;

    public void Set(string key, string? value)
    {
        if (value is null) Exec("DELETE FROM kv WHERE key=$k", ("$k", key));
        else Exec("INSERT INTO kv VALUES ($k,$v) ON CONFLICT(key) DO UPDATE SET value=$v", ("$k", key), ("$v", value));
    }

    public void Sign(string act, string member, string reason, long durationS, long signedMs) =>
        Exec("INSERT OR REPLACE INTO signatures VALUES ($a,$m,$r,$d,$t)", ("$a", act), ("$m", member), ("$r", reason), ("$d", durationS), ("$t", signedMs));

    public void ClearSignatures(string act) => Exec("DELETE FROM signatures WHERE act=$a", ("$a", act));

    public IReadOnlyList<(string Member, string Reason, long DurationS, long SignedMs)> Signatures(string act) =>
        Rows("SELECT member, reason, duration_s, signed_ms FROM signatures WHERE act=$a ORDER BY signed_ms", r => (r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3)), ("$a", act));

    public void SaveBreaker(string id, string state, string? reason, string? safety, bool technician, long sinceMs, long? untilMs = null, int? trips = null) =>
        Exec("INSERT OR REPLACE INTO breakers (id, state, reason, safety, technician, since_ms, until_ms, trips) VALUES ($i,$s,$r,$f,$t,$m,$u,$n)",
            ("$i", id), ("$s", state), ("$r", reason), ("$f", safety), ("$t", technician ? 1 : 0), ("$m", sinceMs), ("$u", untilMs), ("$n", trips));

    public IReadOnlyList<(string Id, string State, string? Reason, string? Safety, bool Technician, long SinceMs, long? UntilMs, int? Trips)> Breakers() =>
        Rows("SELECT id, state, reason, safety, technician, since_ms, until_ms, trips FROM breakers", r =>
            (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(4) != 0, r.GetInt64(5),
             Long(r, 6), r.IsDBNull(7) ? (int?)null : (int)r.GetInt64(7)));

    public void SaveProposal(string id, string yaml, string proposer, long effectiveMs, IEnumerable<string> approvals, string state, long createdMs) =>
        Exec("""
            INSERT INTO proposals VALUES ($i,$y,$p,$e,$a,$s,$c)
            ON CONFLICT(id) DO UPDATE SET approvals=$a, state=$s, effective_ms=$e, proposer=$p, created_ms=$c
            """, ("$i", id), ("$y", yaml), ("$p", proposer), ("$e", effectiveMs), ("$a", string.Join(",", approvals)), ("$s", state), ("$c", createdMs));

    public IReadOnlyList<(string Id, string Yaml, string Proposer, long EffectiveMs, string[] Approvals, string State, long CreatedMs)> Proposals() =>
        Rows("SELECT id, yaml, proposer, effective_ms, approvals, state, created_ms FROM proposals ORDER BY created_ms DESC", r =>
            (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetString(5), r.GetInt64(6)));

    /// <summary>A refused proposal, kept so the council sees what was refused and why (not only the audit log).</summary>
    public void SaveRefusal(long createdMs, string proposer, string yaml, string reason, IReadOnlyList<string> errors) =>
        Exec("INSERT INTO refusals VALUES ($c,$p,$y,$r,$e)", ("$c", createdMs), ("$p", proposer), ("$y", yaml), ("$r", reason), ("$e", JsonSerializer.Serialize(errors)));

    /// <summary>Newest first.</summary>
    public IReadOnlyList<(long CreatedMs, string Proposer, string Yaml, string Reason, string[] Errors)> Refusals(int limit) =>
        Rows("SELECT created_ms, proposer, yaml, reason, errors FROM refusals ORDER BY created_ms DESC LIMIT $n", r =>
            (r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), JsonSerializer.Deserialize<string[]>(r.GetString(4)) ?? []), ("$n", limit));

    public void Dispose() => _c.Dispose();

    // ---- plumbing ----

    private IReadOnlyList<CommandRecord> Query(string sql, params (string, object?)[] args) => Rows(sql, r => new CommandRecord(
        JsonSerializer.Deserialize<Command>(r.GetString(3))!, r.GetString(1), r.GetString(2), r.GetInt64(4) != 0, r.GetString(5), r.GetInt64(6),
        Enum.Parse<CommandState>(r.GetString(7)), (int)r.GetInt64(8), r.GetInt64(9), Long(r, 10), Long(r, 11),
        r.IsDBNull(12) ? null : r.GetString(12), Long(r, 13)), args);

    private static long? Long(SqliteDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    private List<T> Rows<T>(string sql, Func<SqliteDataReader, T> map, params (string, object?)[] args)
    {
        lock (_gate)
        {
            using var cmd = Command(sql, args);
            using var r = cmd.ExecuteReader();
            var list = new List<T>();
            while (r.Read()) list.Add(map(r));
            return list;
        }
    }

    private object? Scalar(string sql, params (string, object?)[] args)
    {
        lock (_gate)
        {
            using var cmd = Command(sql, args);
            return cmd.ExecuteScalar();
        }
    }

    private void Exec(string sql, params (string, object?)[] args)
    {
        lock (_gate)
        {
            using var cmd = Command(sql, args);
            cmd.ExecuteNonQuery();
        }
    }

    private SqliteCommand Command(string sql, (string, object?)[] args)
    {
        var cmd = _c.CreateCommand();
        cmd.Transaction = _tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args) cmd.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return cmd;
    }
}
