using System.Data.Common;
using System.Text.Json;
using Commons.Metering.Gateway.Actuation;

namespace Commons.Metering.Gateway.PolicyRuntime;

/// <summary>What the runtime's stores share whatever the database: one connection used one statement at a
/// time (the dashboard reads while the runtime loop writes), the nestable batch that makes a whole pass one
/// transaction, and the mapping of rows to records. The providers (<see cref="CommonsDb"/> for SQLite,
/// Postgres/PostgresCommonsStore for PostgreSQL) differ only in their SQL text: both select the columns in
/// the same order and keep integers (0/1 for flags) so one mapping reads them.</summary>
internal abstract class AdoCommonsStore : ICommonsStore
{
    // The dashboard reads while the runtime loop writes: one connection, one statement at a time.
    private readonly Lock _gate = new();
    private DbConnection _connection;
    private DbTransaction? _tx;
    private int _depth;

    protected AdoCommonsStore(DbConnection connection) => _connection = connection;

    /// <summary>One transaction (one sync) for everything written until the scope ends: the runtime writes a
    /// whole pass in one, so a burst of trips costs one sync, not three per command. Nestable.</summary>
    public IDisposable Batch()
    {
        lock (_gate)
        {
            if (_depth == 0)
            {
                _connection = Usable(_connection);
                _tx = _connection.BeginTransaction();
            }
            _depth++;
        }
        return new BatchScope(this);
    }

    /// <summary>The connection to use for the next statement outside a batch: the provider may replace one
    /// the server dropped (PostgreSQL after a restart or failover).</summary>
    protected virtual DbConnection Usable(DbConnection connection) => connection;

    private void EndBatch()
    {
        lock (_gate)
        {
            if (--_depth > 0) return;
            var tx = _tx!;
            _tx = null;
            // A failed commit (the server went away) leaves no transaction behind: the next pass begins a new
            // one, and the runtime's loop retries what was not on disk.
            using (tx) tx.Commit();
        }
    }

    private sealed class BatchScope(AdoCommonsStore store) : IDisposable
    {
        private bool _done;

        public void Dispose()
        {
            if (_done) return;
            _done = true;
            store.EndBatch();
        }
    }

    public abstract void Upsert(CommandRecord r);

    public abstract IReadOnlyList<CommandRecord> LoadLive();

    public abstract IReadOnlyList<CommandRecord> Newest(int limit);

    public abstract long CountCommands();

    public abstract string? Get(string key);

    public abstract void Set(string key, string? value);

    public abstract void Sign(string act, string member, string reason, long durationS, long signedMs);

    public abstract void ClearSignatures(string act);

    public abstract IReadOnlyList<(string Member, string Reason, long DurationS, long SignedMs)> Signatures(string act);

    public abstract void SaveBreaker(string id, string state, string? reason, string? safety, bool technician, long sinceMs, long? untilMs = null, int? trips = null);

    public abstract IReadOnlyList<(string Id, string State, string? Reason, string? Safety, bool Technician, long SinceMs, long? UntilMs, int? Trips)> Breakers();

    public abstract void SaveProposal(string id, string yaml, string proposer, long effectiveMs, IEnumerable<string> approvals, string state, long createdMs);

    public abstract IReadOnlyList<(string Id, string Yaml, string Proposer, long EffectiveMs, string[] Approvals, string State, long CreatedMs)> Proposals();

    public abstract void SaveRefusal(long createdMs, string proposer, string yaml, string reason, IReadOnlyList<string> errors);

    public abstract IReadOnlyList<(long CreatedMs, string Proposer, string Yaml, string Reason, string[] Errors)> Refusals(int limit);

    public void Dispose()
    {
        lock (_gate)
        {
            _tx?.Dispose();
            _tx = null;
            _connection.Dispose();
            DisposeProvider();
        }
    }

    /// <summary>What the provider holds besides the connection (PostgreSQL: its data source).</summary>
    protected virtual void DisposeProvider()
    {
    }

    // ---- the shared mappings: every provider selects these columns in this order ----

    /// <summary>cid, meter, key, wire, cut, why, created_ms, state, attempts, next_attempt_ms, sent_ms, acked_ms,
    /// ack_error, confirmed_ms.</summary>
    protected const string CommandColumns = "cid, meter, key, wire, cut, why, created_ms, state, attempts, next_attempt_ms, sent_ms, acked_ms, ack_error, confirmed_ms";

    protected static string Wire(CommandRecord r) => JsonSerializer.Serialize(r.Wire);

    protected static string ErrorsJson(IReadOnlyList<string> errors) => JsonSerializer.Serialize(errors);

    protected IReadOnlyList<CommandRecord> Commands(string sql, params (string, object?)[] args) => Rows(sql, r => new CommandRecord(
        JsonSerializer.Deserialize<Command>(r.GetString(3))!, r.GetString(1), r.GetString(2), r.GetInt64(4) != 0, r.GetString(5), r.GetInt64(6),
        Enum.Parse<CommandState>(r.GetString(7)), (int)r.GetInt64(8), r.GetInt64(9), Long(r, 10), Long(r, 11),
        r.IsDBNull(12) ? null : r.GetString(12), Long(r, 13)), args);

    protected IReadOnlyList<(string Member, string Reason, long DurationS, long SignedMs)> SignatureRows(string sql, params (string, object?)[] args) =>
        Rows(sql, r => (r.GetString(0), r.GetString(1), r.GetInt64(2), r.GetInt64(3)), args);

    /// <summary>id, state, reason, safety, technician, since_ms, until_ms, trips.</summary>
    protected IReadOnlyList<(string Id, string State, string? Reason, string? Safety, bool Technician, long SinceMs, long? UntilMs, int? Trips)> BreakerRows(string sql, params (string, object?)[] args) =>
        Rows(sql, r => (r.GetString(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.GetInt64(4) != 0, r.GetInt64(5),
            Long(r, 6), r.IsDBNull(7) ? (int?)null : (int)r.GetInt64(7)), args);

    /// <summary>id, yaml, proposer, effective_ms, approvals (comma-separated), state, created_ms.</summary>
    protected IReadOnlyList<(string Id, string Yaml, string Proposer, long EffectiveMs, string[] Approvals, string State, long CreatedMs)> ProposalRows(string sql, params (string, object?)[] args) =>
        Rows(sql, r => (r.GetString(0), r.GetString(1), r.GetString(2), r.GetInt64(3), r.GetString(4).Split(',', StringSplitOptions.RemoveEmptyEntries), r.GetString(5), r.GetInt64(6)), args);

    /// <summary>created_ms, proposer, yaml, reason, errors (a JSON array).</summary>
    protected IReadOnlyList<(long CreatedMs, string Proposer, string Yaml, string Reason, string[] Errors)> RefusalRows(string sql, params (string, object?)[] args) =>
        Rows(sql, r => (r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), JsonSerializer.Deserialize<string[]>(r.GetString(4)) ?? []), args);

    private static long? Long(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetInt64(i);

    // ---- plumbing ----

    protected List<T> Rows<T>(string sql, Func<DbDataReader, T> map, params (string, object?)[] args)
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

    protected object? Scalar(string sql, params (string, object?)[] args)
    {
        lock (_gate)
        {
            using var cmd = Command(sql, args);
            return cmd.ExecuteScalar();
        }
    }

    protected void Exec(string sql, params (string, object?)[] args)
    {
        lock (_gate)
        {
            using var cmd = Command(sql, args);
            cmd.ExecuteNonQuery();
        }
    }

    private DbCommand Command(string sql, (string, object?)[] args)
    {
        if (_tx is null) _connection = Usable(_connection);
        var cmd = _connection.CreateCommand();
        cmd.Transaction = _tx;
        cmd.CommandText = sql;
        foreach (var (name, value) in args)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = name;
            p.Value = value ?? DBNull.Value;
            cmd.Parameters.Add(p);
        }
        return cmd;
    }
}
