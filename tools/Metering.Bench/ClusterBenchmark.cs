using System.Diagnostics;
using System.Globalization;
using System.Text;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using MQTTnet;
using MQTTnet.Protocol;
using Npgsql;

namespace Commons.Metering.Bench;

/// <summary>`cluster`: gateway instances sharing one PostgreSQL ledger and one mosquitto (Metering:Cluster,
/// gateway/Metering.Gateway/Cluster/README.md). The same load (meters in several communities, QoS 1, one in
/// flight each) with 1, 2 and 3 instances: readings/s from the first publish until the ledger holds every
/// reading. Then, with 2 instances, the owner of one community is killed (SIGKILL) again and again: the
/// time until the database names another live holder, p50/p99. On one machine the instances share its
/// cores, so the scaling is bounded by them; the CPU per reading is what projects to more machines.</summary>
internal sealed class ClusterBenchmark(int communities, int metersPerCommunity, int readingsPerMeter, int takeovers, int leaseSeconds, TextWriter output)
{
    private static string Community(int c) => $"c{c + 1}";

    private string Communities => string.Join(",", Enumerable.Range(0, communities).Select(Community));

    private GatewayProcess Instance(Mosquitto broker, string db, int i)
    {
        var gw = new GatewayProcess();
        gw.Environment["Metering__Broker__Mode"] = "External";
        gw.Environment["Metering__Broker__Port"] = broker.Port.ToString(CultureInfo.InvariantCulture);
        gw.Environment["Metering__Broker__ClientId"] = "bench";
        gw.Environment["Metering__Broker__RateLimitPerMeterPerSecond"] = "0";
        gw.Environment["Metering__Storage__Provider"] = "Postgres";
        gw.Environment["Metering__Storage__ConnectionString"] = db;
        gw.Environment["Metering__Registry__AutoRegister"] = "true";
        gw.Environment["Metering__Cluster__Communities"] = Communities;
        gw.Environment["Metering__Cluster__InstanceId"] = $"gw{i + 1}";
        gw.Environment["Metering__Cluster__LeaseSeconds"] = leaseSeconds.ToString(CultureInfo.InvariantCulture);
        gw.Environment["Metering__Cluster__RenewSeconds"] = Math.Max(1, leaseSeconds / 3).ToString(CultureInfo.InvariantCulture);
        gw.Environment["Logging__LogLevel__Default"] = "Warning";
        return gw;
    }

    private static long Scalar(string db, string sql)
    {
        using var c = new NpgsqlConnection(db);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    private static Dictionary<string, string?> Holders(string db)
    {
        using var c = new NpgsqlConnection(db);
        c.Open();
        using var cmd = new NpgsqlCommand("""
            SELECT l.community, CASE WHEN l.expires_at > now() AND i.seen_at > now() - interval '1 minute' THEN l.holder END
            FROM cluster_leases l LEFT JOIN cluster_instances i ON i.instance = l.holder
            """, c);
        using var r = cmd.ExecuteReader();
        var result = new Dictionary<string, string?>();
        while (r.Read()) result[r.GetString(0)] = r.IsDBNull(1) ? null : r.GetString(1);
        return result;
    }

    private bool AllOwned(string db, int instances)
    {
        var h = Holders(db);
        return h.Count == communities && h.Values.All(v => v is not null) && h.Values.Distinct().Count() == Math.Min(instances, communities);
    }

    public async Task<int> RunAsync(CancellationToken cancel)
    {
        output.WriteLine($"cluster: {communities} communities x {metersPerCommunity} meters x {readingsPerMeter} readings, lease {leaseSeconds} s");
        output.WriteLine(MachineInfo.Describe());
        using var postgres = Postgres.StartNew();
        using var broker = new Mosquitto();
        broker.Start();
        for (var n = 1; n <= 3; n++)
        {
            var db = postgres.CreateDatabase($"bench{n}");
            var gateways = Enumerable.Range(0, n).Select(i => Instance(broker, db, i)).ToList();
            try
            {
                await Task.WhenAll(gateways.Select(g => Task.Run(() => g.Start(), cancel)));
                if (!await Poll.UntilAsync(() => AllOwned(db, n), TimeSpan.FromSeconds(60)))
                    throw new InvalidOperationException($"{n} instances did not share the communities: {string.Join(", ", Holders(db))}");
                var rate = await LoadAsync(broker.Port, db, n, cancel);
                output.WriteLine($"  {n} instance(s): {rate:F0} readings/s");
            }
            finally
            {
                foreach (var g in gateways) g.Dispose();
            }
        }
        await TakeoversAsync(postgres, broker, cancel);
        return 0;
    }

    /// <summary>Every meter publishes its readings (QoS 1, one in flight); readings/s until all are committed.</summary>
    private async Task<double> LoadAsync(int port, string db, int run, CancellationToken cancel)
    {
        var factory = new MqttClientFactory();
        var clients = new List<(IMqttClient Client, string Topic)>();
        for (var c = 0; c < communities; c++)
            for (var m = 0; m < metersPerCommunity; m++)
            {
                var id = $"{Community(c)}-m{m:D4}";
                var client = factory.CreateMqttClient();
                await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId($"{id}-{run}").WithCleanSession(true).Build(), cancel);
                clients.Add((client, $"commons/v1/{Community(c)}/{id}/up/reading"));
            }
        var total = (long)clients.Count * readingsPerMeter;
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - readingsPerMeter * 1000L;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(async (x, i) =>
        {
            for (var r = 0; r < readingsPerMeter; r++)
            {
                var json = $"{{\"v\":1,\"seq\":{r + 1},\"ts\":{start + r * 1000L},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{(r + 1) * 10L + i}}}]}}";
                await x.Client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic(x.Topic).WithPayload(Encoding.UTF8.GetBytes(json))
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build(), cancel);
            }
        }));
        if (!await Poll.UntilAsync(() => Scalar(db, "SELECT count(*) FROM reading_channels") >= total, TimeSpan.FromMinutes(5), TimeSpan.FromMilliseconds(100)))
            throw new InvalidOperationException($"only {Scalar(db, "SELECT count(*) FROM reading_channels")} of {total} readings committed");
        var seconds = watch.Elapsed.TotalSeconds;
        foreach (var (client, _) in clients) client.Dispose();
        return total / seconds;
    }

    /// <summary>Two instances; the holder of c1 killed <c>takeovers</c> times, started again after each.</summary>
    private async Task TakeoversAsync(Postgres postgres, Mosquitto broker, CancellationToken cancel)
    {
        var db = postgres.CreateDatabase("takeover");
        var gateways = Enumerable.Range(0, 2).Select(i => Instance(broker, db, i)).ToList();
        var times = new List<TimeSpan>();
        try
        {
            await Task.WhenAll(gateways.Select(g => Task.Run(() => g.Start(), cancel)));
            for (var k = 0; k < takeovers; k++)
            {
                if (!await Poll.UntilAsync(() => AllOwned(db, 2), TimeSpan.FromSeconds(60)))
                    throw new InvalidOperationException("the two instances did not share the communities");
                var holder = Holders(db)[Community(0)]!;
                var victim = gateways[holder == "gw1" ? 0 : 1];
                victim.Kill();
                var watch = Stopwatch.StartNew();
                if (!await Poll.UntilAsync(() => Holders(db)[Community(0)] is { } h && h != holder, TimeSpan.FromSeconds(60), TimeSpan.FromMilliseconds(20)))
                    throw new InvalidOperationException($"{Community(0)} not taken over within 60 s");
                times.Add(watch.Elapsed);
                victim.Start();
            }
            output.WriteLine($"  takeover of a killed instance's community ({times.Count} kills): {Latency.Describe(times)}");
        }
        finally
        {
            foreach (var g in gateways) g.Dispose();
        }
    }
}
