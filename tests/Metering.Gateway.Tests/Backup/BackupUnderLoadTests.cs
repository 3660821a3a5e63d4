using Commons.Metering.Gateway.Backup;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Policy;
using Microsoft.Extensions.Time.Testing;
using Xunit.Abstractions;

namespace Commons.Metering.Gateway.Tests.Backup;

/// <summary>Backups taken while the real ingest pipeline and ledger writer commit readings of many
/// meters: each backup, restored into an empty folder, holds exactly the ledger as it was at one
/// moment. For every meter it holds a gap-free prefix of what the live ledger ends with (each meter
/// publishes in order), byte-for-byte the same rows, and hourly buckets that agree with its rows
/// (they are written in the same transaction: a torn copy would not agree).</summary>
public sealed class BackupUnderLoadTests(ITestOutputHelper output) : IDisposable
{
    private const int Meters = 16;
    private const int ReadingsPerMeter = 300;
    private readonly string _backups = Directory.CreateTempSubdirectory("backups-").FullName;
    private readonly string _restores = Directory.CreateTempSubdirectory("restores-").FullName;

    public void Dispose()
    {
        Directory.Delete(_backups, recursive: true);
        Directory.Delete(_restores, recursive: true);
    }

    [Fact]
    public async Task BackupsTakenUnderLoad_RestoreToTheLedgerAsItWasAtTheBackupPoint()
    {
        await using var g = new GatewayHarness();
        await g.StartAsync();
        var audit = new AuditLog(Path.Combine(g.Directory, "audit.log"), g.Time);
        for (var m = 0; m < Meters; m++) await g.RegisterAsync($"w-{m}");
        var stamps = new FakeTimeProvider(GatewayHarness.Start);

        var load = Task.WhenAll(Enumerable.Range(0, Meters).Select(m => Task.Run(async () =>
        {
            for (var seq = 1; seq <= ReadingsPerMeter; seq++)
            {
                var r = await g.ReadingAsync($"w-{m}", seq, seq * 10L + m, GatewayHarness.Start.ToUnixTimeMilliseconds() - (ReadingsPerMeter - seq) * 60_000L);
                Assert.Equal(IngestStatus.Committed, r.Status);
                if (m == 0 && seq % 50 == 0) audit.Append("amina", AuditRoles.Council, "stage.set", new { seq });
            }
        })));
        var taken = new List<BackupResult>();
        while (!load.IsCompleted)
        {
            stamps.Advance(TimeSpan.FromSeconds(1));
            // Keep every one: a slower machine takes more backups during the load, and retention must
            // not delete one this test restores afterwards.
            taken.Add(BackupWriter.Create(g.Directory, _backups, keep: int.MaxValue, stamps, "test"));
        }
        await load;
        var final = LedgerSnapshot.Read(g.DatabasePath);
        Assert.Equal(Meters * ReadingsPerMeter, final.Readings.Count);

        var partial = 0;
        foreach (var backup in taken)
        {
            var data = Path.Combine(_restores, Path.GetFileName(backup.Folder));
            var manifest = BackupRestore.Restore(backup.Folder, data);
            var restored = LedgerSnapshot.Read(Path.Combine(data, "metering.db"));
            if (restored.Readings.Count is > 0 and < Meters * ReadingsPerMeter) partial++;
            foreach (var (meter, maxSeq) in restored.MaxSeq)
            {
                var rows = restored.Readings.Where(r => r.StartsWith(meter + "|", StringComparison.Ordinal)).ToList();
                Assert.Equal(final.UpTo(meter, maxSeq), rows);
                Assert.Equal(maxSeq, rows.Count); // seq 1..max, no hole
                Assert.Equal(maxSeq, manifest.Ledger.Single(h => h.Meter == meter).Seq);
            }
            Assert.Equal(restored.HourlyFromRows, restored.Hourly);
            if (manifest.Audit is { } head) Assert.Equal(head.Records, AuditLog.Verify(Path.Combine(data, "audit.log")).Records);
        }
        output.WriteLine($"{taken.Count} backups under load, {partial} of them mid-way; final ledger {final.Readings.Count} rows");
        Assert.True(partial > 0, $"no backup was taken while readings were still arriving ({taken.Count} backups)");
    }
}
