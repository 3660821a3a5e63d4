using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Npgsql;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Cluster;

/// <summary>Two real gateway processes as one cluster (Metering:Cluster) on a real PostgreSQL and mosquitto,
/// serving communities "north" and "south", while 20 simulated meters (the firmware core, confirming end to
/// end) stream into north. In one run, to pay the start-ups once: the owner of north is stopped (SIGSTOP)
/// until the other took north over, then continued; later the new owner is killed (SIGKILL) under load and
/// the first takes north back within 15 s; the killed one is started again and takes only its share. At
/// the end every meter's ledger in PostgreSQL equals the device's truth: nothing lost, nothing counted twice.</summary>
[Trait("Category", "Integration")]
public sealed class ClusterLeaseTests(ITestOutputHelper output)
{
    private const string Communities = "north,south";
    private const int LeaseSeconds = 3;
    private static readonly TimeSpan Takeover = TimeSpan.FromSeconds(15);

    private static GatewayProcess Instance(Mosquitto broker, string db, string id)
    {
        var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__Mode"] = "External";
        gw.Environment["Metering__Broker__Port"] = broker.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        gw.Environment["Metering__Broker__ClientId"] = "cluster";
        gw.Environment["Metering__Broker__ReconnectMaxDelayMs"] = "1000";
        gw.Environment["Metering__Storage__Provider"] = "Postgres";
        gw.Environment["Metering__Storage__ConnectionString"] = db;
        gw.Environment["Metering__Registry__AutoRegister"] = "true";
        gw.Environment["Metering__Cluster__Communities"] = Communities;
        gw.Environment["Metering__Cluster__InstanceId"] = id;
        gw.Environment["Metering__Cluster__LeaseSeconds"] = LeaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        gw.Environment["Metering__Cluster__RenewSeconds"] = "1";
        gw.Environment["Logging__LogLevel__Default"] = "Warning";
        return gw;
    }

    private static async Task<string[]> OwnedAsync(GatewayProcess gw)
    {
        using var http = gw.CreateHttpClient();
        var body = await http.GetFromJsonAsync<JsonElement>("api/v1/cluster");
        return body.GetProperty("owned").EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    /// <summary>The lease rows as the database holds them: community -> live holder.</summary>
    private static Dictionary<string, string?> Holders(string db)
    {
        using var c = new NpgsqlConnection(db);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT community, CASE WHEN expires_at > now() THEN holder END FROM cluster_leases", c);
        using var r = cmd.ExecuteReader();
        var result = new Dictionary<string, string?>();
        while (r.Read()) result[r.GetString(0)] = r.IsDBNull(1) ? null : r.GetString(1);
        return result;
    }

    private static async Task<TimeSpan> WaitOwnsAsync(GatewayProcess gw, string community, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        Assert.True(await Poll.UntilAsync(async () => (await OwnedAsync(gw)).Contains(community), timeout, TimeSpan.FromMilliseconds(200)),
            $"no takeover of {community} within {timeout.TotalSeconds} s\n{gw.Output}");
        return watch.Elapsed;
    }

    private static void Signal(GatewayProcess gw, string signal)
    {
        using var kill = Process.Start("kill", [signal, gw.Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public async Task Pause_Kill_AndRejoin_UnderLoad_LedgerEqualsDeviceTruth()
    {
        var watch = Stopwatch.StartNew();
        void Phase(string what) => output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: {what}");
        using var postgres = Postgres.StartNew();
        var db = postgres.CreateDatabase("cluster");
        using var broker = new Mosquitto();
        broker.Start();
        using var a = Instance(broker, db, "gw-a");
        using var b = Instance(broker, db, "gw-b");
        // Started side by side: a gateway's start-up is most of this test's time.
        await Task.WhenAll(Task.Run(() => a.Start()), Task.Run(() => b.Start()));
        // Each takes its share: one community each, and never both the same.
        Assert.True(await Poll.UntilAsync(async () => (await OwnedAsync(a)).Length == 1 && (await OwnedAsync(b)).Length == 1, Takeover),
            $"the two instances did not share the communities\n{a.Output}\n{b.Output}");

        using var flash = new TempDir("cluster-fleet");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port, AckTimeout = TimeSpan.FromSeconds(10), ConnectTimeout = TimeSpan.FromSeconds(3) },
            DataDirectory = flash.Path,
            Community = "north",
            Meters = 20,
            ReadingIntervalMs = 60_000,
            ClockSpeed = 600, // a device-minute in 100 ms: ~10 readings/s per meter, ~200/s in all
            ConfirmTimeout = TimeSpan.FromSeconds(2),
            Seed = 20,
        });
        Phase("two instances share the communities");
        fleet.Start();
        await Task.Delay(TimeSpan.FromSeconds(2));

        // (2) The owner of north stops without dying; the other takes north once the lease ran out.
        var (owner, other) = (await OwnedAsync(a)).Contains("north") ? (a, b) : (b, a);
        Signal(owner, "-STOP");
        var paused = await WaitOwnsAsync(other, "north", Takeover);
        Phase($"north taken over from a stopped instance after {paused.TotalSeconds:F1} s");
        Signal(owner, "-CONT");
        // Awake, it owns north no more (its own deadline passed) and takes back only its share: south.
        Assert.True(await Poll.UntilAsync(async () => (await OwnedAsync(owner)).SequenceEqual(["south"]) && (await OwnedAsync(other)).SequenceEqual(["north"]),
            Takeover, TimeSpan.FromMilliseconds(200)), $"no rebalance after the pause\n{owner.Output}\n{other.Output}");

        // (1) kill -9 of north's owner under load: the first instance takes north back within 15 s.
        await Task.Delay(TimeSpan.FromSeconds(1));
        other.Kill();
        var killed = await WaitOwnsAsync(owner, "north", Takeover);
        Phase($"north taken over from a killed instance after {killed.TotalSeconds:F1} s");
        Assert.True(killed < Takeover);
        await Task.Delay(TimeSpan.FromSeconds(1));

        // (3) The killed instance rejoins and takes only its share.
        other.Start();
        Assert.True(await Poll.UntilAsync(async () => (await OwnedAsync(owner)).Length == 1 && (await OwnedAsync(other)).Length == 1, Takeover,
            TimeSpan.FromMilliseconds(200)), $"the restarted instance did not take its share\n{owner.Output}\n{other.Output}");
        Phase("the restarted instance holds its share");
        var holders = Holders(db);
        Assert.Equal(["gw-a", "gw-b"], holders.Values.Select(h => h ?? "(none)").Order().ToArray());
        // What only north's owner can do (reach its devices), the other instance answers with where to ask.
        var notNorth = (await OwnedAsync(owner)).Contains("north") ? other : owner;
        using (var http = notNorth.CreateHttpClient())
        {
            using var ping = await http.PostAsync($"api/v1/meters/{fleet.MeterIds[0]}/ping", new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
            var answer = await ping.Content.ReadAsStringAsync();
            Assert.True(ping.StatusCode == System.Net.HttpStatusCode.Conflict, $"{ping.StatusCode}: {answer}");
            Assert.Contains($"owned by instance '{holders["north"]}' at http://127.0.0.1:", answer, StringComparison.Ordinal);
        }

        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(TimeSpan.FromSeconds(60)), $"device outboxes did not drain: {fleet.Status()}");
        Phase("device outboxes drained");
        var truths = fleet.Truth();
        await fleet.StopAsync(graceful: true);

        var rows = new Dictionary<(string, string), long>();
        var seqs = new Dictionary<string, (long Count, long Min, long Max, long Gaps)>();
        await using (var c = new NpgsqlConnection(db))
        {
            await c.OpenAsync();
            await using (var cmd = new NpgsqlCommand("SELECT meter, channel, sum(usage)::bigint FROM reading_channels GROUP BY meter, channel", c))
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync()) rows[(r.GetString(0), r.GetString(1))] = r.GetInt64(2);
            // Every seq a meter used, reading or event: one sequence per meter (docs/protocol.md).
            await using (var cmd = new NpgsqlCommand("""
                SELECT meter, count(DISTINCT seq), min(seq), max(seq), count(*) FILTER (WHERE reading_flag = 'seq_gap')
                FROM (SELECT meter, seq, reading_flag FROM reading_channels UNION ALL SELECT meter, seq, NULL FROM events) s GROUP BY meter
                """, c))
            await using (var r = await cmd.ExecuteReaderAsync())
                while (await r.ReadAsync()) seqs[r.GetString(0)] = (r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4));
        }
        var mismatches = new List<string>();
        foreach (var truth in truths)
        {
            foreach (var channel in truth.Channels)
                if (rows.GetValueOrDefault((truth.MeterId, channel.Name)) != channel.Usage)
                    mismatches.Add($"{truth.MeterId}/{channel.Name}: ledger {rows.GetValueOrDefault((truth.MeterId, channel.Name))}, device {channel.Usage}");
            // Every seq stored once ((meter, seq) is the key); the device skips numbers itself (docs/protocol.md:
            // "Gaps are normal"), so completeness is the usage: a lost reading would leave it short.
            if (!seqs.ContainsKey(truth.MeterId)) mismatches.Add($"{truth.MeterId}: no reading in the ledger");
        }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
        output.WriteLine($"{seqs.Values.Sum(s => s.Count)} seqs from {truths.Count} meters ({seqs.Values.Sum(s => s.Gaps)} readings after a device's own skip); fenced writes logged by the paused instance: " +
            owner.Output.Split('\n').Count(l => l.Contains("not owned by instance", StringComparison.Ordinal) || l.Contains("is held by", StringComparison.Ordinal)));
    }
}
