using Commons.Metering.Gateway.Telemetry;
using Prometheus;

namespace Commons.Metering.Gateway.Backup;

/// <summary>The outcome of the gateway's scheduled backups, for /healthz and /metrics. A failed
/// backup does not make the gateway unhealthy for devices (it still commits and acknowledges): /healthz
/// stays 200 and says "degraded" with the error, until a later backup succeeds.</summary>
internal sealed class BackupStatus
{
    private readonly Lock _gate = new();
    private readonly Gauge _lastSuccess;
    private readonly Gauge _lastFailed;
    private readonly Counter _runs;
    private readonly Gauge _bytes;
    private readonly Gauge _seconds;

    public BackupStatus(GatewayMetrics metrics)
    {
        var f = Metrics.WithCustomRegistry(metrics.Registry);
        _lastSuccess = f.CreateGauge("metering_backup_last_success_timestamp_seconds",
            "Unix time of the last backup that succeeded (0: none since start). Alert when older than two intervals.");
        _lastFailed = f.CreateGauge("metering_backup_last_failed", "1 when the most recent backup failed (disk full, directory gone), else 0.");
        _runs = f.CreateCounter("metering_backup_runs_total", "Backups attempted since start, by outcome (ok, failed).", labelNames: ["outcome"]);
        _bytes = f.CreateGauge("metering_backup_last_bytes", "Size of the last successful backup in bytes.");
        _seconds = f.CreateGauge("metering_backup_last_duration_seconds", "How long the last successful backup took.");
        foreach (var o in new[] { "ok", "failed" }) _runs.WithLabels(o).Inc(0);
    }

    public bool Enabled { get; set; }
    public DateTimeOffset? LastSuccess { get; private set; }
    public string? LastFolder { get; private set; }
    public string? LastError { get; private set; }

    public void Succeeded(BackupResult result, DateTimeOffset at)
    {
        lock (_gate) (LastSuccess, LastFolder, LastError) = (at, result.Folder, null);
        _lastSuccess.Set(at.ToUnixTimeMilliseconds() / 1000.0);
        _lastFailed.Set(0);
        _runs.WithLabels("ok").Inc();
        _bytes.Set(result.Manifest.Files.Sum(f => f.Bytes));
        _seconds.Set(result.Took.TotalSeconds);
    }

    public void Failed(string error)
    {
        lock (_gate) LastError = error;
        _lastFailed.Set(1);
        _runs.WithLabels("failed").Inc();
    }

    /// <summary>The /healthz field: off, ok (with the last backup) or failed (with the error).</summary>
    public object Health()
    {
        lock (_gate)
        {
            if (!Enabled) return new { state = "off" };
            var last = LastSuccess?.ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            return LastError is null
                ? new { state = LastSuccess is null ? "scheduled" : "ok", lastSuccess = last, error = (string?)null }
                : new { state = "failed", lastSuccess = last, error = (string?)LastError };
        }
    }

    public bool Degraded { get { lock (_gate) return LastError is not null; } }
}
