using Commons.Metering.Gateway.Backup;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Time.Testing;

namespace Commons.Metering.Gateway.Tests.Backup;

/// <summary>Restore verifies before it writes: a damaged file, a missing or extra file, an edited audit
/// log, or a data folder that is not empty stop it with a message naming the problem, and the data
/// folder is left as it was. Retention keeps the newest complete backups.</summary>
public sealed class BackupRestoreTests : IAsyncLifetime
{
    private readonly string _root = Directory.CreateTempSubdirectory("backup-restore-").FullName;
    private GatewayHarness _g = null!;
    private readonly FakeTimeProvider _clock = new(GatewayHarness.Start);

    public async Task InitializeAsync()
    {
        _g = new GatewayHarness();
        await _g.StartAsync();
        await _g.RegisterAsync("w-1");
        await _g.RegisterAsync("e-1", Gateway.Domain.Resource.Energy);
        await _g.ReadingAsync("w-1", 1, 1000);
        await _g.ReadingAsync("w-1", 2, 1500);
        await _g.ReadingAsync("e-1", 7, 40, unit: "Wh");
        var audit = new AuditLog(Path.Combine(_g.Directory, "audit.log"), _g.Time);
        audit.Append("amina", AuditRoles.Council, "policy.approved", new { id = "p-1" });
        audit.Append("amina", AuditRoles.Council, "stage.set", new { stage = 2 });
        File.WriteAllText(Path.Combine(_g.Directory, "accounts.json"), "{}");
    }

    public async Task DisposeAsync()
    {
        await _g.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private BackupResult Backup(int keep = 5)
    {
        _clock.Advance(TimeSpan.FromMinutes(1));
        return BackupWriter.Create(_g.Directory, Path.Combine(_root, "backups"), keep, _clock, "test");
    }

    [Fact]
    public void AGoodBackup_Restores_WithTheAuditHeadAndEachMetersNewestSeq()
    {
        var b = Backup();
        Assert.Equal(2, b.Manifest.Audit!.Records);
        Assert.True(b.Manifest.Audit.Intact);
        Assert.Equal(["e-1:7", "w-1:2"], b.Manifest.Ledger.Select(h => $"{h.Meter}:{h.Seq}"));
        Assert.Contains(b.Manifest.Files, f => f.Path == "metering.db" && f.Kind == "sqlite");
        Assert.Contains(b.Manifest.Files, f => f.Path == "audit.log" && f.Kind == "log");
        Assert.Contains(b.Manifest.Files, f => f.Path == "accounts.json" && f.Kind == "file");
        Assert.DoesNotContain(b.Manifest.Files, f => f.Path.EndsWith("-wal", StringComparison.Ordinal));

        var data = Path.Combine(_root, "restored");
        BackupRestore.Restore(b.Folder, data);
        Assert.Equal(File.ReadAllBytes(Path.Combine(_g.Directory, "audit.log")), File.ReadAllBytes(Path.Combine(data, "audit.log")));
        Assert.Equal(b.Manifest.Ledger, LedgerHighWater.Read(Path.Combine(data, "metering.db")));
    }

    [Fact]
    public void ADamagedFile_IsNamed_AndNothingIsRestored()
    {
        var b = Backup();
        var db = Path.Combine(b.Folder, "metering.db");
        var bytes = File.ReadAllBytes(db);
        bytes[^10] ^= 0xFF;
        File.WriteAllBytes(db, bytes);
        var data = Path.Combine(_root, "restored");
        var e = Assert.Throws<BackupException>(() => BackupRestore.Restore(b.Folder, data));
        Assert.Contains("metering.db: SHA-256 does not match", e.Message);
        Assert.False(Directory.Exists(data));
    }

    [Fact]
    public void AnEditedAuditLog_WithAMatchingChecksum_StillFailsTheChain()
    {
        var b = Backup();
        var log = Path.Combine(b.Folder, "audit.log");
        File.WriteAllText(log, File.ReadAllText(log).Replace("\"stage\":2", "\"stage\":0", StringComparison.Ordinal));
        // Someone who edits the log can fix the manifest's checksum too; the chain still breaks.
        var manifestPath = Path.Combine(b.Folder, BackupManifest.FileName);
        var m = BackupManifest.Read(b.Folder);
        var files = m.Files.Select(f => f.Path == "audit.log" ? f with { Bytes = new FileInfo(log).Length, Sha256 = BackupManifest.Sha256Of(log) } : f).ToList();
        File.WriteAllText(manifestPath, (m with { Files = files }).ToJson());
        var problems = BackupRestore.Verify(b.Folder, out _);
        Assert.Contains(problems, p => p.StartsWith("audit.log: audit chain broken at line 2", StringComparison.Ordinal));
    }

    [Fact]
    public void AFileMissingOrAdded_IsNamed()
    {
        var b = Backup();
        File.Delete(Path.Combine(b.Folder, "accounts.json"));
        File.WriteAllText(Path.Combine(b.Folder, "stray.txt"), "x");
        var problems = BackupRestore.Verify(b.Folder, out _);
        Assert.Contains("accounts.json: missing", problems);
        Assert.Contains("stray.txt: not in the manifest", problems);
    }

    [Fact]
    public void ANonEmptyDataFolder_IsRefused_AndKept()
    {
        var b = Backup();
        var data = Path.Combine(_root, "in-use");
        Directory.CreateDirectory(data);
        File.WriteAllText(Path.Combine(data, "metering.db"), "the newer ledger");
        var e = Assert.Throws<BackupException>(() => BackupRestore.Restore(b.Folder, data));
        Assert.Contains("is not empty", e.Message);
        Assert.Equal("the newer ledger", File.ReadAllText(Path.Combine(data, "metering.db")));
    }

    [Fact]
    public void Retention_KeepsTheNewestBackups()
    {
        var all = Enumerable.Range(0, 4).Select(_ => Backup(keep: 2)).ToList();
        Assert.Equal([all[2].Folder, all[3].Folder], BackupWriter.List(Path.Combine(_root, "backups")));
        Assert.Equal([all[1].Folder], all[3].Deleted);
    }
}
