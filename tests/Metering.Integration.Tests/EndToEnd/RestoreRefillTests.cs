using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Gateway.Backup;
using Commons.Metering.Testing;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>A dead SD card: simulated meters (the real firmware core, each with its own flash file) stream
/// through a gateway process; a backup is taken while they do; more readings are committed and confirmed
/// (so the devices dropped them from their outboxes); the gateway is killed and its data folder deleted.
/// The backup is restored and the gateway started again: it asks every meter for its flash window after
/// the restored ledger's newest seq. Afterwards every uplink committed before the loss is in the ledger
/// again, with the register it had, and every meter's usage equals the device's truth.</summary>
[Trait("Category", "Integration")]
public sealed class RestoreRefillTests(ITestOutputHelper output)
{
    private const int Meters = 6;

    /// <summary>Readings per meter committed after the backup point and lost with the data folder: well
    /// inside the window (at least 120 readings at one per device-minute, firmware core README).</summary>
    private const int LostPerMeter = 20;

    [Fact]
    public async Task DataFolderLostAfterABackup_RestoredAndRefilledFromTheDevices_HoldsEveryUplinkAgain_AndEqualsTheirTruth()
    {
        using var backups = new TempDir("refill-backups");
        using var gateway = new GatewayProcess();
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Environment["Logging__LogLevel__Commons.Metering.Gateway.Backup"] = "Information";
        gateway.Start(TimeSpan.FromMinutes(3)); // a loaded machine starts it slowly

        using var flash = new TempDir("refill-fleet");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = gateway.BrokerPort, AckTimeout = TimeSpan.FromSeconds(20) },
            DataDirectory = flash.Path,
            Community = "refill",
            Meters = Meters,
            ReadingIntervalMs = 60_000,
            ClockSpeed = 120, // a reading every 0.5 s per meter
            Seed = 22,
        });
        fleet.Start();

        await Poll.UntilOrFailAsync(() => ReadingsPerMeter(gateway.DataDirectory) is { Count: Meters } c && c.Values.Min() >= 5,
            TimeSpan.FromMinutes(1), () => $"meters did not start reporting: {fleet.Status()}\n{gateway.Output}");
        var backup = BackupWriter.Create(gateway.DataDirectory, backups.Path, 3, TimeProvider.System, "test");
        var atBackup = ReadingsPerMeter(gateway.DataDirectory);
        await Poll.UntilOrFailAsync(() => ReadingsPerMeter(gateway.DataDirectory) is var c
                && atBackup.All(m => c.GetValueOrDefault(m.Key) >= m.Value + LostPerMeter + 5),
            TimeSpan.FromMinutes(1), () => $"readings stopped after the backup: {fleet.Status()}");

        // The card dies: everything the gateway committed since the backup goes with it.
        gateway.Kill();
        var committed = Uplinks(gateway.DataDirectory);
        Directory.Delete(gateway.DataDirectory, recursive: true);
        BackupRestore.Restore(backup.Folder, gateway.DataDirectory);
        var restored = Uplinks(gateway.DataDirectory);
        var lost = committed.Where(u => !restored.ContainsKey(u.Key)).ToDictionary(u => u.Key, u => u.Value);
        output.WriteLine($"{committed.Count} uplinks committed, {lost.Count} lost with the data folder");
        Assert.True(lost.Count >= Meters * LostPerMeter, $"only {lost.Count} uplinks lost");
        var request = Path.Combine(gateway.DataDirectory, RefillRequest.FileName);
        Assert.True(File.Exists(request), "the restore left no refill request");

        gateway.Start(TimeSpan.FromMinutes(3)); // a loaded machine starts it slowly
        await Poll.UntilOrFailAsync(() => !File.Exists(request), TimeSpan.FromMinutes(2),
            () => $"not every meter answered its refill: {File.ReadAllText(request)}\n{Devices(fleet)}\n{gateway.Output}");
        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(TimeSpan.FromMinutes(2)), $"device outboxes did not drain: {fleet.Status()}");
        var truths = fleet.Truth();
        await fleet.StopAsync(graceful: true);

        // 1. Every uplink lost with the data folder is in the ledger again, with the same registers.
        var now = Uplinks(gateway.DataDirectory);
        var missing = lost.Keys.Where(k => !now.ContainsKey(k)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} of {lost.Count} lost uplinks never came back, e.g. {string.Join(", ", missing.Take(5))}");
        var changed = lost.Where(l => now[l.Key] != l.Value).Select(l => l.Key).ToList();
        Assert.True(changed.Count == 0, $"{changed.Count} came back different, e.g. {string.Join(", ", changed.Take(5))}");

        // 2. Every meter's usage equals the device's truth.
        using var http = gateway.CreateHttpClient();
        var mismatches = new List<string>();
        foreach (var truth in truths)
            foreach (var channel in truth.Channels)
            {
                var ledger = await LedgerProbe.UsageAsync(http, truth.MeterId, channel.Name);
                if (ledger != channel.Usage) mismatches.Add($"{truth.MeterId}/{channel.Name}: ledger {ledger}, device {channel.Usage}");
            }
        Assert.True(mismatches.Count == 0, string.Join("\n", mismatches));
    }

    /// <summary>What each device says of itself, for a failure message.</summary>
    private static string Devices(MeterFleet fleet) => string.Join("\n", fleet.Truth().Select(t =>
        $"{t.MeterId}: connected {t.IsConnected}, outbox {t.OutboxDepth}, fault {t.Fault ?? "none"}"));

    private static Dictionary<string, long> ReadingsPerMeter(string dataDirectory)
    {
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        if (!File.Exists(Path.Combine(dataDirectory, "metering.db"))) return result;
        using var db = Open(dataDirectory);
        using var cmd = db.CreateCommand();
        cmd.CommandText = "SELECT meter, count(DISTINCT seq) FROM reading_channels GROUP BY meter";
        using var r = cmd.ExecuteReader();
        while (r.Read()) result[r.GetString(0)] = r.GetInt64(1);
        return result;
    }

    /// <summary>(meter, seq) -> what the ledger holds of that uplink: a reading's channel registers, or an event's kind.</summary>
    private static Dictionary<(string Meter, long Seq), string> Uplinks(string dataDirectory)
    {
        using var db = Open(dataDirectory);
        using var cmd = db.CreateCommand();
        cmd.CommandText = """
            SELECT meter, seq, group_concat(channel || '=' || reg, ',') FROM (SELECT * FROM reading_channels ORDER BY channel) GROUP BY meter, seq
            UNION ALL SELECT meter, seq, kind FROM events
            """;
        using var r = cmd.ExecuteReader();
        var result = new Dictionary<(string, long), string>();
        while (r.Read()) result[(r.GetString(0), r.GetInt64(1))] = r.GetString(2);
        return result;
    }

    private static SqliteConnection Open(string dataDirectory)
    {
        var c = new SqliteConnection($"Data Source={Path.Combine(dataDirectory, "metering.db")};Mode=ReadOnly;Pooling=False");
        c.Open();
        return c;
    }
}
