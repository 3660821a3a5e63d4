using Commons.Metering.Gateway.Policy;
using Commons.Metering.Testing;
using Microsoft.Data.Sqlite;

namespace Commons.Metering.Cli.Tests;

/// <summary>`metering backup` and `metering restore` as processes, on the data folder of a real
/// gateway that is running and taking readings: the backup is taken live, the restore goes into a new
/// folder, prints each meter's newest sequence and the audit head, and refuses a folder in use.</summary>
public sealed class BackupCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("backup-cli-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task BackupOfARunningGateway_RestoresIntoANewFolder_AndSaysWhatTheLedgerHoldsUpTo()
    {
        var data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        var tsMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using (var gw = new GatewayProcess(data))
        {
            gw.Environment["Metering__Registry__AutoRegister"] = "true";
            gw.Start();
            await using var mqtt = new TestMqtt();
            Assert.Null(await mqtt.ConnectAsync(gw.BrokerPort, "w-0042", null, null));
            // The embedded broker acknowledges after the ledger commit: each reading is in the ledger.
            for (var seq = 1; seq <= 5; seq++)
                await mqtt.PublishAsync("commons/v1/riverside/w-0042/up/reading",
                    $$"""{"v":1,"seq":{{seq}},"ts":{{tsMs - (5 - seq) * 1000}},"ch":[{"n":"main","u":"mL","reg":{{seq * 1000}}}]}""");
            new AuditLog(Path.Combine(data, "audit.log"), TimeProvider.System).Append("amina", AuditRoles.Council, "stage.set", new { stage = 1 });

            var backup = CliProcess.Run(_dir, "backup", "--data", data, "--to", Path.Combine(_dir, "backups"), "--keep", "2");
            Assert.True(backup.ExitCode == ExitCodes.Ok, backup.ToString());
            Assert.Contains("backup written: ", backup.Stdout);
            Assert.Contains("audit chain: 1 records", backup.Stdout);
        }
        var folder = Assert.Single(Directory.GetDirectories(Path.Combine(_dir, "backups"), "metering-backup-*"));

        var restored = Path.Combine(_dir, "restored");
        var r = CliProcess.Run(_dir, "restore", folder, "--data", restored);
        Assert.True(r.ExitCode == ExitCodes.Ok, r.ToString());
        Assert.Contains("audit chain: intact, 1 records", r.Stdout);
        Assert.Matches($@"w-0042\s+5\s+{DateTimeOffset.FromUnixTimeMilliseconds(tsMs):yyyy-MM-ddTHH:mm:ss.fff}Z", r.Stdout);
        Assert.True(File.Exists(Path.Combine(restored, "metering.db")));

        var again = CliProcess.Run(_dir, "restore", folder, "--data", restored);
        Assert.True(again.ExitCode == ExitCodes.FileError, again.ToString());
        Assert.Contains("is not empty", again.Stderr);
    }
}
