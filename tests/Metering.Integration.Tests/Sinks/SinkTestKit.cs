using Commons.Metering.Gateway.Sinks;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Commons.Metering.Integration.Tests.Sinks;

/// <summary>metering.db in a temporary data directory, with sink_outbox filled the way the ledger
/// fills it: line protocol, millisecond timestamps, one transaction per group of readings.</summary>
internal sealed class LedgerOutbox : IDisposable
{
    private readonly Testing.TempDir _dir = new("sinks-it");

    public LedgerOutbox()
    {
        using var c = Open();
        using (var wal = c.CreateCommand())
        {
            wal.CommandText = "PRAGMA journal_mode=WAL;";
            wal.ExecuteNonQuery();
        }
        global::Commons.Metering.Gateway.Ledger.Sqlite.SqliteSchema.Migrate(c);
    }

    public string DataDirectory => _dir.Path;

    public static string Line(string meter, long seq, long regMl, long usageMl, long tsMs, string? flag = null) =>
        $"reading,community=c1,meter={meter},channel=main,resource=water reg={regMl}i,usage={usageMl}i,seq={seq}i" +
        (flag is null ? "" : $",flag=\"{flag}\"") + $" {tsMs}";

    public void Append(IReadOnlyCollection<string> lines)
    {
        using var c = Open();
        using var tx = c.BeginTransaction();
        using var cmd = c.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "INSERT INTO sink_outbox(line) VALUES ($line)";
        var p = cmd.Parameters.Add("$line", SqliteType.Text);
        foreach (var line in lines)
        {
            p.Value = line;
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    public long Scalar(string sql)
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar() is long v ? v : 0;
    }

    public IReadOnlyList<(long Id, string Line, string Error)> DeadLetters()
    {
        using var c = Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT outbox_id, line, error FROM sink_dead_letter ORDER BY outbox_id";
        using var r = cmd.ExecuteReader();
        var list = new List<(long, string, string)>();
        while (r.Read()) list.Add((r.GetInt64(0), r.GetString(1), r.GetString(2)));
        return list;
    }

    public void Dispose() => _dir.Dispose();

    private SqliteConnection Open()
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(_dir.Path, "metering.db")};Default Timeout=10");
        c.Open();
        return c;
    }
}

/// <summary>The real sinks (AddMeteringSinks: options, writer, hosted drain service) in a minimal host.</summary>
internal sealed class SinkHost : IAsyncDisposable
{
    private readonly IHost _host;

    private SinkHost(IHost host)
    {
        _host = host;
        Status = host.Services.GetRequiredService<ISinkStatus>();
    }

    public ISinkStatus Status { get; }

    public SinkSnapshot Influx => Status.Snapshot().Single();

    public static async Task<SinkHost> StartAsync(LedgerOutbox outbox, Dictionary<string, string?> influx)
    {
        var settings = influx.ToDictionary(kv => "Metering:Influx:" + kv.Key, kv => kv.Value);
        settings["Metering:Storage:DataDirectory"] = outbox.DataDirectory;
        var builder = new HostApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Services.AddMeteringSinks(builder.Configuration);
        var host = builder.Build();
        await host.StartAsync();
        return new SinkHost(host);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }
}

internal static class Wait
{
    /// <summary>Polls a condition every 50 ms until it holds or the timeout passes; fails with the
    /// message (and the last state) otherwise.</summary>
    public static Task UntilAsync(Func<bool> condition, TimeSpan timeout, Func<string> describe) =>
        Testing.Poll.UntilOrFailAsync(condition, timeout, describe);
}
