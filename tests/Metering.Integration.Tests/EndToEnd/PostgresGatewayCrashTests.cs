using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Npgsql;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>The crash test on the PostgreSQL ledger (Metering:Storage:Provider=Postgres, a real
/// PostgreSQL on loopback): the gateway process is killed with SIGKILL 5 times while 30 simulated
/// meters (the real firmware core, each with its own flash file and outbox) stream through its embedded
/// broker, and restarted each time on the same database. Afterwards every meter's ledger, read through
/// the API and from the rows, equals the device's truth exactly: nothing lost, nothing counted twice.</summary>
[Trait("Category", "Integration")]
public sealed class PostgresGatewayCrashTests(ITestOutputHelper output)
{
    private const int Meters = 30;
    private const int Kills = 5;
    private const long MinReadings = 5_000;

    private static long CommittedReadings(string connectionString)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT count(*) FROM (SELECT DISTINCT meter, seq FROM reading_channels) t", c);
        return (long)cmd.ExecuteScalar()!;
    }

    private static Dictionary<(string Meter, string Channel), long> UsageRows(string connectionString)
    {
        var result = new Dictionary<(string, string), long>();
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT meter, channel, sum(usage)::bigint FROM reading_channels GROUP BY meter, channel", c);
        using var r = cmd.ExecuteReader();
        while (r.Read()) result[(r.GetString(0), r.GetString(1))] = r.GetInt64(2);
        return result;
    }

    [Fact]
    public async Task GatewayOnPostgresKilledFiveTimes_LedgerEqualsDeviceTruth()
    {
        using var postgres = Postgres.StartNew();
        var db = postgres.CreateDatabase("crash");
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Storage__Provider"] = "Postgres";
        gateway.Environment["Metering__Storage__ConnectionString"] = db;
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Start();

        var truths = await CrashDriver.RunAsync(gateway, new CrashRun(Meters, Kills, MinReadings, TimeSpan.FromMinutes(5), MaxPauseMs: 4000),
            () => CommittedReadings(db), output);
        using var http = gateway.CreateHttpClient();
        var rows = UsageRows(db);

        var mismatches = new List<string>();
        foreach (var truth in truths)
            foreach (var channel in truth.Channels)
            {
                var ledger = await LedgerProbe.UsageAsync(http, truth.MeterId, channel.Name);
                var fromRows = rows.GetValueOrDefault((truth.MeterId, channel.Name));
                if (ledger != channel.Usage || fromRows != channel.Usage)
                    mismatches.Add($"{truth.MeterId}/{channel.Name}: ledger {ledger}, rows {fromRows}, device {channel.Usage}");
            }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Assert.True(CommittedReadings(db) >= MinReadings);
    }
}
