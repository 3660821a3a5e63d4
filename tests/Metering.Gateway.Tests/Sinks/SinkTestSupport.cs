using Commons.Metering.Gateway.Sinks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commons.Metering.Gateway.Tests.Sinks;

/// <summary>A metering.db in a temporary folder whose sink_outbox is filled the way the ledger does
/// (one transaction per group of lines).</summary>
internal sealed class SinkOutboxDb : IDisposable
{
    public SinkOutboxDb()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("sinks-").FullName;
        Path = System.IO.Path.Combine(Directory, "metering.db");
        using var c = Open();
        using (var wal = c.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }
        Gateway.Ledger.Sqlite.SqliteSchema.Migrate(c);
        Outbox = new Gateway.Sinks.Sqlite.SqliteSinkOutbox(Path);
    }

    public string Directory { get; }

    public string Path { get; }

    public Gateway.Sinks.Sqlite.SqliteSinkOutbox Outbox { get; }

    public static string Line(string meter, long seq, long regMl, long usageMl, long tsMs, string? flag = null) =>
        $"reading,community=c1,meter={meter},channel=main,resource=water reg={regMl}i,usage={usageMl}i,seq={seq}i" +
        (flag is null ? "" : $",flag=\"{flag}\"") + $" {tsMs}";

    public void Append(IEnumerable<string> lines)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        foreach (var line in lines)
        {
            using var cmd = c.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO sink_outbox(line) VALUES ($line)";
            cmd.Parameters.AddWithValue("$line", line);
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Appends n readings of meter m1 with seq from..from+n-1; returns the lines.</summary>
    public IReadOnlyList<string> AppendReadings(int n, long from = 1)
    {
        var lines = Enumerable.Range(0, n).Select(i => Line("m1", from + i, 1000 * (from + i), 1000, 1_733_000_000_000 + (from + i) * 1000)).ToList();
        Append(lines);
        return lines;
    }

    /// <summary>Runs one statement on metering.db (to break or mend it under the drain).</summary>
    public void Execute(string sql)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public IReadOnlyList<long> OutboxIds() => Query("SELECT id FROM sink_outbox ORDER BY id", r => r.GetInt64(0));

    public long? Cursor(string sink) =>
        Query("SELECT last_id FROM sink_cursor WHERE sink = $s", r => r.GetInt64(0), ("$s", sink)).Cast<long?>().SingleOrDefault();

    public IReadOnlyList<(long Id, string Line, string Error)> DeadLetters(string sink) =>
        Query("SELECT outbox_id, line, error FROM sink_dead_letter WHERE sink = $s ORDER BY outbox_id",
            r => (r.GetInt64(0), r.GetString(1), r.GetString(2)), ("$s", sink));

    public SqliteConnection Open()
    {
        var c = new SqliteConnection($"Data Source={Path};Pooling=False");
        c.Open();
        return c;
    }

    public void Dispose()
    {
        try { System.IO.Directory.Delete(Directory, recursive: true); }
        catch (IOException) { }
    }

    private List<T> Query<T>(string sql, Func<SqliteDataReader, T> map, params (string, object)[] args)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        foreach (var (k, v) in args) cmd.Parameters.AddWithValue(k, v);
        using var r = cmd.ExecuteReader();
        var list = new List<T>();
        while (r.Read()) list.Add(map(r));
        return list;
    }
}

/// <summary>A sink that records what it was given and fails on demand.</summary>
internal sealed class FakeWriter : ISinkWriter
{
    private readonly List<IReadOnlyList<string>> _batches = [];

    public FakeWriter(string name = "fake") => Name = name;

    public string Name { get; }

    /// <summary>Set to make every call fail with this exception (transient).</summary>
    public Exception? FailWith { get; set; }

    /// <summary>Lines containing this text make a write refused (like InfluxDB's 400 partial write).</summary>
    public string? RejectContaining { get; set; }

    public int Calls { get; private set; }

    public IReadOnlyList<IReadOnlyList<string>> Batches => _batches;

    /// <summary>Every line accepted, in order of acceptance.</summary>
    public List<string> Accepted { get; } = [];

    public Task WriteAsync(ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        Calls++;
        var lines = System.Text.Encoding.UTF8.GetString(body.Span).Split('\n');
        if (FailWith is not null) return Task.FromException(FailWith);
        if (RejectContaining is not null && lines.Any(l => l.Contains(RejectContaining, StringComparison.Ordinal)))
            return Task.FromException(new SinkRejectedException(400, "partial write: unable to parse"));
        _batches.Add(lines.ToArray());
        Accepted.AddRange(lines);
        return Task.CompletedTask;
    }
}

internal static class Sinks
{
    /// <summary>Waits for work on another thread (not for time to pass): checks a condition until it
    /// holds, at most 5 s.</summary>
    public static Task<bool> Eventually(Func<bool> condition) =>
        Testing.Poll.UntilAsync(condition, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(10));

    /// <summary>Options for unit tests: no retry unless asked (so nothing waits on the clock).</summary>
    public static InfluxOptions Options(int batchSize = 100, int retries = 0) => new()
    {
        Kind = InfluxKind.V1,
        Url = "http://127.0.0.1:1",
        Database = "metering",
        BatchSize = batchSize,
        MaxRetryAttempts = retries,
        RetryBaseDelayMs = 1000,
        RetryMaxDelayMs = 4000,
        BreakerFailureRatio = 0.5,
        BreakerMinimumThroughput = 2,
        BreakerSamplingDurationMs = 30_000,
        BreakerBreakDurationMs = 5000,
    };

    public static SinkSet Set(SinkOutboxDb db, InfluxOptions options, TimeProvider time, params ISinkWriter[] writers) =>
        new(options, db.Outbox, time, NullLoggerFactory.Instance, writers);
}
