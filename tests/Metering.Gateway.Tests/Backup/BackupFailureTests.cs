using Commons.Metering.Gateway.Backup;
using Commons.Metering.Gateway.Http;
using Commons.Metering.Gateway.Options;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Backup;

/// <summary>A backup directory on a real 16 MB filesystem that fills up (SmallDisk, a tmpfs: needs root,
/// as CI runs): the gateway's scheduled backup fails loudly (/healthz "degraded" with the error,
/// metering_backup_last_failed 1), leaves no partial folder, and the previous backup still verifies.
/// Once space is back the next backup succeeds and the failure clears.</summary>
public sealed class BackupFailureTests
{
    [Fact]
    public async Task ABackupToAFullDisk_FailsLoudly_AndLeavesThePreviousBackupIntact()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        await g.RegisterAsync("w-1");
        for (var seq = 1; seq <= 200; seq++) await g.ReadingAsync("w-1", seq, seq * 100L, GatewayHarness.Start.ToUnixTimeMilliseconds() - (200 - seq) * 1000L);
        var audit = new AuditLog(Path.Combine(g.Directory, "audit.log"), g.Time);
        audit.Append("amina", AuditRoles.Council, "policy.approved", new { id = "p-1" });
        using var disk = new SmallDisk(16);
        var clock = new FakeTimeProvider(GatewayHarness.Start);
        var status = new BackupStatus(g.Metrics) { Enabled = true };
        var options = new BackupOptions { Directory = Path.Combine(disk.Path, "backups"), Keep = 3 };
        var service = new BackupService(options, Microsoft.Extensions.Options.Options.Create(g.Options), status, clock, NullLogger<BackupService>.Instance);

        service.RunOnce();
        var first = Assert.Single(BackupWriter.List(options.Directory));
        Assert.Equal("ok", Field(status.Health(), "state"));
        Assert.Contains("metering_backup_last_failed 0", await g.Metrics.ToTextAsync());

        disk.Fill();
        clock.Advance(TimeSpan.FromDays(1));
        service.RunOnce();

        Assert.Equal("failed", Field(status.Health(), "state"));
        var error = Field(status.Health(), "error")!;
        Assert.Contains("FAILED", error);
        Assert.Contains("No space left on device", error, StringComparison.OrdinalIgnoreCase);
        var metrics = await g.Metrics.ToTextAsync();
        Assert.Contains("metering_backup_last_failed 1", metrics);
        Assert.Contains("metering_backup_runs_total{outcome=\"failed\"} 1", metrics);
        Assert.Equal([first], BackupWriter.List(options.Directory));
        Assert.Empty(Directory.GetDirectories(options.Directory, BackupWriter.PartialPrefix + "*"));
        Assert.Empty(BackupRestore.Verify(first, out _));

        disk.Free();
        clock.Advance(TimeSpan.FromDays(1));
        service.RunOnce();
        Assert.Equal("ok", Field(status.Health(), "state"));
        Assert.Equal(2, BackupWriter.List(options.Directory).Count);
    }

    [Fact]
    public void ABackupDirectoryInsideTheDataFolder_IsRefused()
    {
        var data = Directory.CreateTempSubdirectory("data-").FullName;
        try
        {
            var e = Assert.Throws<BackupException>(() => BackupWriter.Create(data, Path.Combine(data, "backups"), 1, TimeProvider.System, "test"));
            Assert.Contains("inside the data folder", e.Message);
            Assert.Contains("Metering:Backup:Directory", string.Join("\n", new BackupOptions { Directory = Path.Combine(data, "b") }.Errors(data)));
        }
        finally { Directory.Delete(data, recursive: true); }
    }

    private static string? Field(object health, string name) =>
        health.GetType().GetProperty(name)?.GetValue(health) as string;
}
