using System.Diagnostics.Metrics;

namespace Commons.Metering.Gateway.Backup;

/// <summary>The outcome of the gateway's scheduled backups, for /healthz and /metrics. A failed
/// backup does not make the gateway unhealthy for devices (it still commits and acknowledges): /healthz
/// stays 200 and says "degraded" with the error, until a later backup succeeds.</summary>
internal sealed class BackupStatus
{
    public const string MeterName = "Metering.Backup";

    private static readonly KeyValuePair<string, object?> Ok = new("outcome", "ok");
    private static readonly KeyValuePair<string, object?> Failure = new("outcome", "failed");

    private readonly Lock _gate = new();
    private readonly Gauge<double> _lastSuccess;
    private readonly Gauge<int> _lastFailed;
    private readonly Counter<long> _runs;
    private readonly Gauge<long> _bytes;
    private readonly Gauge<double> _seconds;

    public BackupStatus(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _lastSuccess = meter.CreateGauge<double>("metering_backup_last_success_timestamp_seconds",
            description: "Unix time of the last backup that succeeded (0: none since start). Alert when older than two intervals.");
        _lastFailed = meter.CreateGauge<int>("metering_backup_last_failed",
            description: "1 when the most recent backup failed (disk full, directory gone), else 0.");
        _runs = meter.CreateCounter<long>("metering_backup_runs_total", description: "Backups attempted since start, by outcome (ok, failed).");
        _bytes = meter.CreateGauge<long>("metering_backup_last_bytes", description: "Size of the last successful backup in bytes.");
        _seconds = meter.CreateGauge<double>("metering_backup_last_duration_seconds", description: "How long the last successful backup took.");
        _lastSuccess.Record(0);
        _lastFailed.Record(0);
        _bytes.Record(0);
        _seconds.Record(0);
        _runs.Add(0, Ok);
        _runs.Add(0, Failure);
    }

    public bool Enabled { get; set; }
    public DateTimeOffset? LastSuccess { get; private set; }
    public string? LastFolder { get; private set; }
    public string? LastError { get; private set; }

    public void Succeeded(BackupResult result, DateTimeOffset at)
    {
        lock (_gate) (LastSuccess, LastFolder, LastError) = (at, result.Folder, null);
        _lastSuccess.Record(at.ToUnixTimeMilliseconds() / 1000.0);
        _lastFailed.Record(0);
        _runs.Add(1, Ok);
        _bytes.Record(result.Manifest.Files.Sum(f => f.Bytes));
        _seconds.Record(result.Took.TotalSeconds);
    }

    public void Failed(string error)
    {
        lock (_gate) LastError = error;
        _lastFailed.Record(1);
        _runs.Add(1, Failure);
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
