using System.Data;
using System.Data.Common;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Storage;
using Npgsql;

namespace Commons.Metering.Gateway.PolicyRuntime.Postgres;

/// <summary>The policy runtime's state in PostgreSQL (Storage:Provider=Postgres), the same contract and the
/// same statements as <see cref="CommonsDb"/> over the `commons_` tables (<see cref="PostgresCommonsSchema"/>),
/// every row scoped to one community. One dedicated connection; a batch is one transaction and returns
/// after PostgreSQL flushed its WAL (synchronous_commit on, the server's default), so a command is durable
/// before it is handed to the broker, as with SQLite's synchronous=FULL. When the server went away (restart,
/// failover) Npgsql leaves the connection broken: the next batch opens a new one, and fails while the server
/// is still away; the runtime's loop logs and tries again.</summary>
internal sealed class PostgresCommonsStore : AdoCommonsStore
{
    private readonly NpgsqlDataSource _source;
    private readonly string _community;

    public PostgresCommonsStore(string connectionString, string community) : this(NpgsqlDataSource.Create(connectionString), community)
    {
    }

    private PostgresCommonsStore(NpgsqlDataSource source, string community) : base(Open(source))
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(community);
        _source = source;
        _community = community;
    }

    private static NpgsqlConnection Open(NpgsqlDataSource source)
    {
        var c = source.OpenConnection();
        try
        {
            PostgresMigrator.Migrate(c, PostgresCommonsSchema.Name, PostgresCommonsSchema.Steps); // openers take turns under the advisory lock
            return c;
        }
        catch
        {
            c.Dispose();
            source.Dispose();
            throw;
        }
    }

    protected override DbConnection Usable(DbConnection connection)
    {
        if (connection.State == ConnectionState.Open) return connection;
        connection.Dispose();
        return _source.OpenConnection();
    }

    protected override void DisposeProvider() => _source.Dispose();

    // ---- commands ----

    public override void Upsert(CommandRecord r) => Exec($"""
        INSERT INTO commons_commands(community, {CommandColumns})
        VALUES (@community, @cid, @meter, @key, @wire, @cut, @why, @created, @state, @attempts, @next, @sent, @acked, @err, @confirmed)
        ON CONFLICT (community, cid) DO UPDATE SET state = excluded.state, attempts = excluded.attempts, next_attempt_ms = excluded.next_attempt_ms,
          sent_ms = excluded.sent_ms, acked_ms = excluded.acked_ms, ack_error = excluded.ack_error, confirmed_ms = excluded.confirmed_ms, why = excluded.why
        """, Community, ("cid", r.Cid), ("meter", r.Meter), ("key", r.Key), ("wire", Wire(r)), ("cut", r.Cut ? 1L : 0L),
        ("why", r.Why), ("created", r.CreatedMs), ("state", r.State.ToString()), ("attempts", (long)r.Attempts), ("next", r.NextAttemptMs),
        ("sent", r.SentMs), ("acked", r.AckedMs), ("err", r.AckError), ("confirmed", r.ConfirmedMs));

    /// <summary>Commands not final yet plus the newest command of every key (the state last commanded).</summary>
    public override IReadOnlyList<CommandRecord> LoadLive() => Commands($"""
        SELECT {CommandColumns} FROM commons_commands WHERE community = @community AND state IN ('Pending','Sent','Acked')
        UNION SELECT {CommandColumns} FROM commons_commands WHERE community = @community
          AND ord IN (SELECT max(ord) FROM commons_commands WHERE community = @community GROUP BY key)
        ORDER BY created_ms, cid
        """, Community);

    public override IReadOnlyList<CommandRecord> Newest(int limit) =>
        Commands($"SELECT {CommandColumns} FROM commons_commands WHERE community = @community ORDER BY ord DESC LIMIT @n", Community, ("n", (long)limit));

    public override long CountCommands() => (long)Scalar("SELECT count(*) FROM commons_commands WHERE community = @community", Community)!;

    // ---- key/value, signatures, breakers, proposals ----

    public override string? Get(string key) =>
        Scalar("SELECT value FROM commons_kv WHERE community = @community AND key = @k", Community, ("k", key)) as string;

    public override void Set(string key, string? value)
    {
        if (value is null) Exec("DELETE FROM commons_kv WHERE community = @community AND key = @k", Community, ("k", key));
        else Exec("""
            INSERT INTO commons_kv(community, key, value) VALUES (@community, @k, @v)
            ON CONFLICT (community, key) DO UPDATE SET value = excluded.value
            """, Community, ("k", key), ("v", value));
    }

    public override void Sign(string act, string member, string reason, long durationS, long signedMs) => Exec("""
        INSERT INTO commons_signatures(community, act, member, reason, duration_s, signed_ms) VALUES (@community, @a, @m, @r, @d, @t)
        ON CONFLICT (community, act, member) DO UPDATE SET reason = excluded.reason, duration_s = excluded.duration_s, signed_ms = excluded.signed_ms
        """, Community, ("a", act), ("m", member), ("r", reason), ("d", durationS), ("t", signedMs));

    public override void ClearSignatures(string act) =>
        Exec("DELETE FROM commons_signatures WHERE community = @community AND act = @a", Community, ("a", act));

    public override IReadOnlyList<(string Member, string Reason, long DurationS, long SignedMs)> Signatures(string act) => SignatureRows("""
        SELECT member, reason, duration_s, signed_ms FROM commons_signatures WHERE community = @community AND act = @a ORDER BY signed_ms
        """, Community, ("a", act));

    public override void SaveBreaker(string id, string state, string? reason, string? safety, bool technician, long sinceMs, long? untilMs = null, int? trips = null) => Exec("""
        INSERT INTO commons_breakers(community, id, state, reason, safety, technician, since_ms, until_ms, trips)
        VALUES (@community, @i, @s, @r, @f, @t, @m, @u, @n)
        ON CONFLICT (community, id) DO UPDATE SET state = excluded.state, reason = excluded.reason, safety = excluded.safety,
          technician = excluded.technician, since_ms = excluded.since_ms, until_ms = excluded.until_ms, trips = excluded.trips
        """, Community, ("i", id), ("s", state), ("r", reason), ("f", safety), ("t", technician ? 1L : 0L), ("m", sinceMs), ("u", untilMs), ("n", (long?)trips));

    public override IReadOnlyList<(string Id, string State, string? Reason, string? Safety, bool Technician, long SinceMs, long? UntilMs, int? Trips)> Breakers() =>
        BreakerRows("SELECT id, state, reason, safety, technician, since_ms, until_ms, trips FROM commons_breakers WHERE community = @community", Community);

    public override void SaveProposal(string id, string yaml, string proposer, long effectiveMs, IEnumerable<string> approvals, string state, long createdMs) => Exec("""
        INSERT INTO commons_proposals(community, id, yaml, proposer, effective_ms, approvals, state, created_ms)
        VALUES (@community, @i, @y, @p, @e, @a, @s, @c)
        ON CONFLICT (community, id) DO UPDATE SET approvals = excluded.approvals, state = excluded.state, effective_ms = excluded.effective_ms,
          proposer = excluded.proposer, created_ms = excluded.created_ms
        """, Community, ("i", id), ("y", yaml), ("p", proposer), ("e", effectiveMs), ("a", string.Join(",", approvals)), ("s", state), ("c", createdMs));

    public override IReadOnlyList<(string Id, string Yaml, string Proposer, long EffectiveMs, string[] Approvals, string State, long CreatedMs)> Proposals() => ProposalRows("""
        SELECT id, yaml, proposer, effective_ms, approvals, state, created_ms FROM commons_proposals WHERE community = @community ORDER BY created_ms DESC
        """, Community);

    public override void SaveRefusal(long createdMs, string proposer, string yaml, string reason, IReadOnlyList<string> errors) => Exec("""
        INSERT INTO commons_refusals(community, created_ms, proposer, yaml, reason, errors) VALUES (@community, @c, @p, @y, @r, @e)
        """, Community, ("c", createdMs), ("p", proposer), ("y", yaml), ("r", reason), ("e", ErrorsJson(errors)));

    public override IReadOnlyList<(long CreatedMs, string Proposer, string Yaml, string Reason, string[] Errors)> Refusals(int limit) => RefusalRows("""
        SELECT created_ms, proposer, yaml, reason, errors FROM commons_refusals WHERE community = @community ORDER BY created_ms DESC LIMIT @n
        """, Community, ("n", (long)limit));

    private (string, object?) Community => ("community", _community);
}
