using Commons.Metering.Gateway.Domain;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Gateway.Region;

/// <summary>The community's side of the upward link (upstream.db, SQLite, synchronous=FULL): reports
/// wait here, oldest first, until the region's answer says its ledger holds them, and the delegated
/// caps of the last answer are kept so they hold across a restart and while the link is down.</summary>
public sealed class UpstreamOutbox : IDisposable
{
    private readonly SqliteConnection _c;
    private readonly Lock _gate = new();

    public UpstreamOutbox(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        _c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false }.ToString());
        _c.Open();
        Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
        Exec("""
            CREATE TABLE IF NOT EXISTS upstream_outbox(seq INTEGER PRIMARY KEY, body BLOB NOT NULL);
            CREATE TABLE IF NOT EXISTS delegated_caps(resource TEXT PRIMARY KEY, from_ms INTEGER NOT NULL, to_ms INTEGER NOT NULL,
                cap INTEGER NOT NULL, floor INTEGER NOT NULL, valid_until_ms INTEGER NOT NULL, stage INTEGER NOT NULL, stage_until_ms INTEGER NOT NULL);
            CREATE TABLE IF NOT EXISTS upstream_state(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
            """);
    }

    /// <summary>The next report seq: the clock's milliseconds, or one more than the last given when the
    /// clock is behind it. So it grows across restarts and even when this file is lost (the region keys
    /// reports by it and keeps only the highest per period).</summary>
    public long NextSeq(long nowMs)
    {
        lock (_gate)
        {
            using var get = Command("SELECT value FROM upstream_state WHERE key = 'last_seq'");
            var last = get.ExecuteScalar() is long l ? l : 0;
            var seq = Math.Max(nowMs, last + 1);
            using var set = Command("INSERT OR REPLACE INTO upstream_state VALUES ('last_seq', $v)", ("$v", seq));
            set.ExecuteNonQuery();
            return seq;
        }
    }

    public void Enqueue(long seq, byte[] body)
    {
        lock (_gate)
        {
            using var cmd = Command("INSERT INTO upstream_outbox VALUES ($s, $b)", ("$s", seq), ("$b", body));
            cmd.ExecuteNonQuery();
        }
    }

    public (long Seq, byte[] Body)? Oldest()
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT seq, body FROM upstream_outbox ORDER BY seq LIMIT 1");
            using var rd = cmd.ExecuteReader();
            return rd.Read() ? (rd.GetInt64(0), (byte[])rd.GetValue(1)) : null;
        }
    }

    public int Depth
    {
        get
        {
            lock (_gate)
            {
                using var cmd = Command("SELECT COUNT(*) FROM upstream_outbox");
                return (int)(long)cmd.ExecuteScalar()!;
            }
        }
    }

    /// <summary>The region holds <paramref name="seq"/>: it leaves the outbox, and the answer's caps are kept, in one transaction.</summary>
    public void Confirm(long seq, IReadOnlyList<DelegatedCap> caps)
    {
        lock (_gate)
        {
            using var tx = _c.BeginTransaction();
            using (var del = Command("DELETE FROM upstream_outbox WHERE seq = $s", ("$s", seq))) { del.Transaction = tx; del.ExecuteNonQuery(); }
            foreach (var c in caps)
            {
                using var put = Command("INSERT OR REPLACE INTO delegated_caps VALUES ($r, $f, $t, $c, $fl, $v, $s, $su)",
                    ("$r", c.Resource.Name()), ("$f", c.FromMs), ("$t", c.ToMs), ("$c", c.Cap), ("$fl", c.Floor), ("$v", c.ValidUntilMs),
                    ("$s", c.Stage), ("$su", c.StageUntilMs));
                put.Transaction = tx;
                put.ExecuteNonQuery();
            }
            tx.Commit();
        }
    }

    public IReadOnlyList<DelegatedCap> Caps()
    {
        lock (_gate)
        {
            using var cmd = Command("SELECT resource, from_ms, to_ms, cap, floor, valid_until_ms, stage, stage_until_ms FROM delegated_caps ORDER BY resource");
            using var rd = cmd.ExecuteReader();
            var caps = new List<DelegatedCap>();
            while (rd.Read())
                if (Resources.TryParse(rd.GetString(0), out var r))
                    caps.Add(new DelegatedCap(r, rd.GetInt64(1), rd.GetInt64(2), rd.GetInt64(3), rd.GetInt64(4), rd.GetInt64(5), rd.GetInt32(6), rd.GetInt64(7)));
            return caps;
        }
    }

    public void Dispose() => _c.Dispose();

    private void Exec(string sql)
    {
        using var cmd = _c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private SqliteCommand Command(string sql, params (string, object)[] args)
    {
        var cmd = _c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (n, v) in args) cmd.Parameters.AddWithValue(n, v);
        return cmd;
    }
}
