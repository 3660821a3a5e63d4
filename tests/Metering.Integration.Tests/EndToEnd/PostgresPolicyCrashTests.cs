using System.Text;
using System.Text.Json;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Npgsql;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>The gateway process with a policy (Policy/examples/village.yaml) and everything on a real PostgreSQL
/// (Storage:Provider=Postgres: ledger, sink outbox and the policy runtime's state). The reservoir falls to
/// stage 2, which closes the discretionary and standard water channels; the devices do not answer yet. Then
/// `kill -9` and a restart on the same database: the runtime resumes stage 2 and its command book from the
/// database. The water meter's next reading makes the gateway resend its unanswered commands with their
/// cids; no command is issued anew (a runtime back at stage 0 would reopen the garden valve with a new cid),
/// and the device's ack, delivered twice, completes the valve command exactly once.</summary>
[Trait("Category", "Integration")]
public sealed class PostgresPolicyCrashTests(ITestOutputHelper output) : IDisposable
{
    private const string Community = "riverside";
    private const string GardenValve = "w-h01/garden/valve";
    private readonly TempDir _dir = new("pg-policy-crash");

    [Fact]
    public async Task PolicyOnPostgres_KilledAtStageTwo_ResumesStageAndCommandBook_AndCompletesTheValveCommandOnce()
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        void Step(string what) => output.WriteLine($"{watch.Elapsed.TotalSeconds,5:F1} s: {what}");
        using var postgres = Postgres.StartNew();
        Step("PostgreSQL up");
        var db = postgres.CreateDatabase("policy");
        var policy = _dir.File("village.yaml");
        File.Copy(RepoPaths.Of("gateway", "Metering.Policy", "examples", "village.yaml"), policy);
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Storage__Provider"] = "Postgres";
        gateway.Environment["Metering__Storage__ConnectionString"] = db;
        gateway.Environment["Metering__Policy__File"] = policy;
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Start();
        Step("gateway up");

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var seen = new List<(string Cid, string Op, string? Channel)>();
        var device = await DeviceAsync(gateway.BrokerPort, seen);
        await PublishAsync(device, "w-h01", "reading", Reading(1, now - 120_000, ("kitchen", 1_000), ("garden", 500)));
        using (var reservoir = await DeviceAsync(gateway.BrokerPort, null, "reservoir"))
            await PublishAsync(reservoir, "reservoir", "reading", Reading(1, now - 60_000, ("level_mm", 700))); // below 800: stage 2

        await Poll.UntilOrFailAsync(() => Stage(db)?.StartsWith("2|", StringComparison.Ordinal) == true
                && Commands(db).Any(c => c.Key == GardenValve && c.State == "Sent") && Cid(db, GardenValve) is { } cid && Seen(seen).Contains(cid),
            TimeSpan.FromSeconds(20), () => $"stage {Stage(db)}; commands {Describe(db)}; the device saw {string.Join(",", Seen(seen))}\n{gateway.Output}");
        Step("stage 2, valve command sent");
        var before = Commands(db);
        var valve = before.Single(c => c.Key == GardenValve);

        await device.DisconnectAsync();
        gateway.Kill();
        gateway.Restart();
        Step("killed and restarted");

        // The device comes back (the embedded broker's sessions died with it) and sends its next reading.
        lock (seen) seen.Clear();
        using var again = await DeviceAsync(gateway.BrokerPort, seen);
        await PublishAsync(again, "w-h01", "reading", Reading(2, now, ("kitchen", 2_000), ("garden", 500)));
        await Poll.UntilOrFailAsync(() => Seen(seen).Contains(valve.Cid), TimeSpan.FromSeconds(20),
            () => $"after the restart the device saw {string.Join(",", Seen(seen))}, waiting for {valve.Cid}\n{gateway.Output}");

        Step("valve command resent");
        Assert.StartsWith("2|", Stage(db), StringComparison.Ordinal);
        // Resumed, not rebuilt: every command is one the book held before the kill, none issued anew.
        Assert.Equal(before.Select(c => c.Cid).Order(StringComparer.Ordinal), Commands(db).Select(c => c.Cid).Order(StringComparer.Ordinal));
        Assert.Equal("closed", Op(seen, valve.Cid));

        var ack = $"{{\"v\":1,\"cid\":\"{valve.Cid}\",\"ok\":true,\"ts\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}}";
        await PublishAsync(again, "w-h01", "ack", ack);
        await PublishAsync(again, "w-h01", "ack", ack); // a redelivered ack changes nothing
        await Poll.UntilOrFailAsync(() => Commands(db).Single(c => c.Cid == valve.Cid).State == "Acked", TimeSpan.FromSeconds(20), () => Describe(db));
        Assert.Single(Commands(db), c => c.Key == GardenValve);
        await again.DisconnectAsync();
    }

    private static string Reading(long seq, long tsMs, params (string Channel, long Register)[] channels) =>
        $"{{\"v\":1,\"seq\":{seq},\"ts\":{tsMs},\"ch\":[" +
        string.Join(",", channels.Select(c => $"{{\"n\":\"{c.Channel}\",\"u\":\"mL\",\"reg\":{c.Register}}}")) + "]}";

    /// <summary>A device as the firmware connects (MQTT 3.1.1, client id = meter id, QoS 1), subscribed to its
    /// commands when <paramref name="seen"/> collects them.</summary>
    private static async Task<IMqttClient> DeviceAsync(int port, List<(string Cid, string Op, string? Channel)>? seen, string meter = "w-h01")
    {
        var client = new MqttClientFactory().CreateMqttClient();
        if (seen is not null)
        {
            client.ApplicationMessageReceivedAsync += e =>
            {
                using var json = JsonDocument.Parse(e.ApplicationMessage.ConvertPayloadToString());
                var root = json.RootElement;
                var op = root.GetProperty("op").GetString()!;
                // A valve command says where the valve goes (`state`); the rest are known by their op.
                var what = op == "valve" && root.TryGetProperty("state", out var s) ? s.GetString()! : op;
                lock (seen) seen.Add((root.GetProperty("cid").GetString()!, what, root.TryGetProperty("ch", out var ch) ? ch.GetString() : null));
                return Task.CompletedTask;
            };
        }
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", port).WithClientId(meter)
            .WithProtocolVersion(MqttProtocolVersion.V311).WithTimeout(TimeSpan.FromSeconds(10)).Build());
        if (seen is not null) await client.SubscribeAsync($"commons/v1/{Community}/{meter}/down/cmd", MqttQualityOfServiceLevel.AtLeastOnce);
        return client;
    }

    private static Task PublishAsync(IMqttClient client, string meter, string kind, string payload) =>
        client.PublishAsync(new MqttApplicationMessageBuilder().WithTopic($"commons/v1/{Community}/{meter}/up/{kind}")
            .WithPayload(Encoding.UTF8.GetBytes(payload)).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build());

    private static HashSet<string> Seen(List<(string Cid, string Op, string? Channel)> seen)
    {
        lock (seen) return seen.Select(s => s.Cid).ToHashSet(StringComparer.Ordinal);
    }

    private static string Op(List<(string Cid, string Op, string? Channel)> seen, string cid)
    {
        lock (seen) return seen.First(s => s.Cid == cid).Op;
    }

    private static string? Stage(string db) => Scalar(db, "SELECT value FROM commons_kv WHERE community = 'riverside' AND key = 'stage:water'") as string;

    private static string? Cid(string db, string key) => Commands(db).FirstOrDefault(c => c.Key == key).Cid;

    private static List<(string Cid, string Key, string State)> Commands(string db)
    {
        var list = new List<(string, string, string)>();
        using var c = new NpgsqlConnection(db);
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT cid, key, state FROM commons_commands WHERE community = 'riverside' ORDER BY ord", c);
        try
        {
            using var r = cmd.ExecuteReader();
            while (r.Read()) list.Add((r.GetString(0), r.GetString(1), r.GetString(2)));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            // Before the gateway's first start created the tables.
        }
        return list;
    }

    private static object? Scalar(string db, string sql)
    {
        using var c = new NpgsqlConnection(db);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        try { return cmd.ExecuteScalar(); }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable) { return null; }
    }

    private static string Describe(string db) => string.Join("; ", Commands(db).Select(c => $"{c.Cid} {c.Key} {c.State}"));

    public void Dispose() => _dir.Dispose();
}
