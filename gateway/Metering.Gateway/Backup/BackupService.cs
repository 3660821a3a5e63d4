using Commons.Metering.Gateway.Hosting;
using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Backup;

/// <summary>Takes a backup every Backup:IntervalMinutes while the gateway runs. The first one is due
/// one interval after the newest backup already in the directory (at once when there is none), so
/// restarts neither skip nor pile up backups. A failure is logged at Error level, shown on /healthz and
/// /metrics, and retried at the next interval; earlier backups stay as they were.</summary>
internal sealed class BackupService(
    BackupOptions options, IOptions<GatewayOptions> gateway, BackupStatus status, TimeProvider time, ILogger<BackupService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        status.Enabled = true;
        var interval = TimeSpan.FromMinutes(options.IntervalMinutes);
        var due = NewestBackupTime() is { } newest ? newest + interval : time.GetUtcNow();
        logger.LogInformation("Backups to {Directory} every {IntervalMinutes} min, keeping {Keep}; next at {Due:O}",
            Path.GetFullPath(options.Directory), options.IntervalMinutes, options.Keep, due);
        while (!stoppingToken.IsCancellationRequested)
        {
            var wait = due - time.GetUtcNow();
            if (wait > TimeSpan.Zero) await Task.Delay(wait, time, stoppingToken);
            // Off the host's threads: a backup of a large ledger reads the whole file.
            await Task.Run(RunOnce, stoppingToken);
            due = time.GetUtcNow() + interval;
        }
    }

    /// <summary>One backup now; the outcome goes to the status and the log. Never throws.</summary>
    internal void RunOnce()
    {
        try
        {
            var result = BackupWriter.Create(gateway.Value.Storage.DataDirectory, options.Directory, options.Keep, time, GatewayVersion.Informational);
            status.Succeeded(result, time.GetUtcNow());
            logger.LogInformation("Backup written to {Folder} ({Files} files, {Bytes} bytes, audit head {AuditRecords} records) in {Seconds:F1} s; {Deleted} old backups deleted",
                result.Folder, result.Manifest.Files.Count, result.Manifest.Files.Sum(f => f.Bytes), result.Manifest.Audit?.Records ?? 0,
                result.Took.TotalSeconds, result.Deleted.Count);
        }
        catch (Exception e) when (e is BackupException or IOException or UnauthorizedAccessException)
        {
            status.Failed(e.Message);
            logger.LogError(e, "Backup FAILED: {Error}", e.Message);
        }
    }

    private DateTimeOffset? NewestBackupTime()
    {
        var newest = BackupWriter.List(options.Directory).LastOrDefault();
        if (newest is null) return null;
        try { return DateTimeOffset.Parse(BackupManifest.Read(newest).CreatedUtc, System.Globalization.CultureInfo.InvariantCulture); }
        catch (Exception e) when (e is InvalidDataException or FormatException or IOException) { return null; }
    }
}
