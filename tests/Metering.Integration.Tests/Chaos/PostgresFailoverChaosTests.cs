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
/// the primary had committed, so every reading a device saw confirmed, is in the promoted database; once
/// the devices drained, each meter's usage there equals the device's truth.</summary>
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

        // What the primary holds just before it dies: every commit waited for the standby.
        Assert.Equal("sync", pair.ReplicationState());
        var beforeKill = Keys(primary);
        pair.KillPrimary();
        Phase($"primary killed (SIGKILL) with {beforeKill.Count} readings committed");
        await Task.Delay(TimeSpan.FromSeconds(1)); // the gateway's writes fail meanwhile: nothing confirmed
        pair.PromoteStandby();
        Phase("standby promoted");

        var promoted = pair.StandbyConnectionString(Database);
        var lost = beforeKill.Except(Keys(promoted)).ToList();
        Assert.True(lost.Count == 0, $"{lost.Count} readings committed on the primary are not in the promoted standby, e.g. " +
            string.Join(", ", lost.Take(5).Select(k => $"{k.Meter}#{k.Seq}")));
        // The gateway writes again, on the promoted server, without a restart of its own.
        await ChaosKit.UntilAsync(() => Committed(promoted) >= beforeKill.Count + 150, TimeSpan.FromSeconds(20), Explain);
        Phase($"{Committed(promoted)} readings committed on the promoted server");
        Assert.False(gateway.HasExited, gateway.Output);

        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(30));
        // The same from the rows of the promoted database, not only through the gateway's API.
        var rows = UsageRows(promoted);
        var mismatches = fleet.Truth().SelectMany(t => t.Channels.Select(c => (t.MeterId, c.Name, c.Usage)))
            .Where(c => rows.GetValueOrDefault((c.MeterId, c.Name)) != c.Usage)
            .Select(c => $"{c.MeterId}/{c.Name}: rows {rows.GetValueOrDefault((c.MeterId, c.Name))}, device {c.Usage}").ToList();
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        Phase("the promoted database equals every device's truth");
    }

    private static long Committed(string connectionString)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT count(DISTINCT (meter, seq)) FROM reading_channels", c);
        try { return (long)cmd.ExecuteScalar()!; }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return 0; } // before the migrations ran
    }

    private static HashSet<(string Meter, long Seq)> Keys(string connectionString)
    {
        using var c = new NpgsqlConnection(connectionString);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT DISTINCT meter, seq FROM reading_channels", c);
        using var r = cmd.ExecuteReader();
        var keys = new HashSet<(string, long)>();
        while (r.Read()) keys.Add((r.GetString(0), r.GetInt64(1)));
        return keys;
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
