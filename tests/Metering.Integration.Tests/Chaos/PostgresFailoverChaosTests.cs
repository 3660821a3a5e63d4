using System.Diagnostics;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Npgsql;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>kill -9 of the PostgreSQL primary under load, with a synchronous streaming standby: the standby
/// is promoted (pg_ctl promote), the gateway (external mosquitto, ledger on the multi-host connection string
/// "Host=primary,standby;Target Session Attributes=primary") reconnects to it by itself, and every reading
/// a device saw confirmed is in the promoted database (the standby was paused just before, so the primary's
/// last commits waited for it); once the devices drained, each meter's seqs there have no hole and its
/// usage equals the device's truth.</summary>
[Trait("Category", "Integration")]
public sealed class PostgresFailoverChaosTests(ITestOutputHelper output)
{
    private const string Database = "failover";

    [Fact]
    public async Task KillThePrimaryUnderLoad_PromoteTheStandby_ConfirmedReadingsSurvive_LedgerEqualsTruth()
    {
        var watch = Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: {what}");
        using var pair = PostgresStandbyPair.StartNew();
        pair.CreateDatabase(Database);
        using var broker = new Mosquitto();
        broker.Start();
        using var gateway = ChaosKit.ExternalGateway(broker.Port);
        gateway.Environment["Metering__Storage__Provider"] = "Postgres";
        gateway.Environment["Metering__Storage__ConnectionString"] = pair.ConnectionString(Database);
        gateway.Start();
        Phase("primary + synchronous standby, mosquitto, gateway up");

        using var flash = new TempDir("pg-failover");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port, AckTimeout = TimeSpan.FromSeconds(5), ConnectTimeout = TimeSpan.FromSeconds(2) },
            DataDirectory = flash.Path,
            Community = "failover",
            Meters = 8,
            ReadingIntervalMs = 60_000,
            ClockSpeed = 600, // a device-minute in 100 ms: ~10 readings/s per meter
            ConfirmTimeout = TimeSpan.FromSeconds(2), // a confirmation lost with the primary is made up within seconds
            Seed = 20,
        });
        fleet.Start();
        string Explain() => $"{fleet.Status()}\n{ChaosKit.Tail(gateway.Output)}\n{ChaosKit.Tail(pair.Output)}";
        var primary = pair.PrimaryConnectionString(Database);
        await ChaosKit.UntilAsync(() => Committed(primary) >= 150, TimeSpan.FromSeconds(20), Explain);

        // The standby falls behind, then the primary dies: with synchronous replication its commits wait
        // for the standby meanwhile, so the gateway confirms nothing the standby lacks. (With asynchronous
        // replication the primary goes on committing and the gateway confirming: those readings, deleted
        // from the devices, would be holes in the promoted database, and the seq check below fails.)
        Assert.Equal("sync", pair.ReplicationState());
        var before = Committed(primary);
        var walReceiver = pair.PauseReplication();
        await Task.Delay(TimeSpan.FromSeconds(1));
        pair.KillPrimary();
        Phase($"standby paused 1 s, then the primary killed (SIGKILL) with {before} readings committed before the pause");
        pair.DropReceivedWal(walReceiver);
        pair.PromoteStandby();
        Phase("standby promoted");

        var promoted = pair.StandbyConnectionString(Database);
        // The gateway writes again, on the promoted server, without a restart of its own.
        await ChaosKit.UntilAsync(() => Committed(promoted) >= before + 150, TimeSpan.FromSeconds(20), Explain);
        Phase($"{Committed(promoted)} readings committed on the promoted server");
        Assert.False(gateway.HasExited, gateway.Output);

        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(30));
        // The same from the rows of the promoted database, not only through the gateway's API.
        var rows = UsageRows(promoted);
        var mismatches = fleet.Truth().SelectMany(t => t.Channels.Select(c => (t.MeterId, c.Name, c.Usage)))
            .Where(c => rows.GetValueOrDefault((c.MeterId, c.Name)) != c.Usage)
            .Select(c => $"{c.MeterId}/{c.Name}: rows {rows.GetValueOrDefault((c.MeterId, c.Name))}, device {c.Usage}").ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        // Usage alone cannot show a lost reading (registers are cumulative: the next reading carries its
        // use). The seqs can: no device restarted, so each used one unbroken run of seqs (docs/protocol.md:
        // a device skips numbers only across a reboot), and every one of them must be in the database.
        var holes = Seqs(promoted).Where(m => m.Value.Count != m.Value.Max - m.Value.Min + 1)
            .Select(m => $"{m.Key}: {m.Value.Count} seqs in {m.Value.Min}..{m.Value.Max}").ToList();
        Assert.True(holes.Count == 0, "readings confirmed before the failover are missing:\n" + string.Join("\n", holes));
        Phase($"the promoted database equals every device's truth, {Seqs(promoted).Values.Sum(s => s.Count)} seqs without a hole");
    }

    private static long Committed(string connectionString)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT count(DISTINCT (meter, seq)) FROM reading_channels", c);
        try { return (long)cmd.ExecuteScalar()!; }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return 0; } // before the migrations ran
    }

    /// <summary>Per meter, the seqs the ledger holds: readings, events and gauges share one sequence.</summary>
    private static Dictionary<string, (long Count, long Min, long Max)> Seqs(string connectionString)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        using var cmd = new NpgsqlCommand("""
            SELECT meter, count(DISTINCT seq), min(seq), max(seq)
            FROM (SELECT meter, seq FROM reading_channels UNION SELECT meter, seq FROM events UNION SELECT meter, seq FROM gauges) s GROUP BY meter
            """, c);
        using var r = cmd.ExecuteReader();
        var result = new Dictionary<string, (long, long, long)>();
        while (r.Read()) result[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2), r.GetInt64(3));
        return result;
    }

    private static Dictionary<(string Meter, string Channel), long> UsageRows(string connectionString)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT meter, channel, sum(usage)::bigint FROM reading_channels GROUP BY meter, channel", c);
        using var r = cmd.ExecuteReader();
        var result = new Dictionary<(string, string), long>();
        while (r.Read()) result[(r.GetString(0), r.GetString(1))] = r.GetInt64(2);
        return result;
    }
}
