using Commons.Metering.Gateway.Ledger;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Systemd;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Hosting;

/// <summary>Talks to systemd when it started the gateway as a Type=notify unit (NOTIFY_SOCKET set;
/// sd_notify(3)): READY=1 once the host has started (ledger open, broker and HTTP listening),
/// WATCHDOG=1 every half WatchdogSec (WATCHDOG_USEC, sd_watchdog_enabled(3)) while the ledger writer
/// runs, STOPPING=1 at shutdown. A hung or dead writer stops the pings and systemd restarts the
/// gateway. Without NOTIFY_SOCKET (dotnet run, tests) it does nothing. The datagrams go through
/// Microsoft.Extensions.Hosting.Systemd's SystemdNotifier.</summary>
internal sealed class SystemdNotify(IHostApplicationLifetime lifetime, LedgerWriter ledger, TimeProvider time, ILogger<SystemdNotify> logger)
    : BackgroundService
{
    private readonly SystemdNotifier _notifier = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_notifier.IsEnabled) return;
        var started = new TaskCompletionSource();
        using (lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            await started.Task.WaitAsync(stoppingToken);
        _notifier.Notify(new ServiceState($"READY=1\nSTATUS=running {GatewayVersion.Informational}"));
        lifetime.ApplicationStopping.Register(() => _notifier.Notify(ServiceState.Stopping));
        if (WatchdogInterval() is not { } interval) return;
        logger.LogInformation("systemd watchdog: pinging every {IntervalMs} ms while the ledger writer runs", (long)interval.TotalMilliseconds);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (ledger.IsRunning) _notifier.Notify(new ServiceState("WATCHDOG=1"));
            await Task.Delay(interval, time, stoppingToken);
        }
    }

    /// <summary>Half of WATCHDOG_USEC, as sd_watchdog_enabled(3) recommends; null when the watchdog is
    /// off or meant for another process (WATCHDOG_PID).</summary>
    private static TimeSpan? WatchdogInterval()
    {
        var pid = Environment.GetEnvironmentVariable("WATCHDOG_PID");
        if (!string.IsNullOrEmpty(pid) && pid != Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)) return null;
        return long.TryParse(Environment.GetEnvironmentVariable("WATCHDOG_USEC"), out var usec) && usec > 0
            ? TimeSpan.FromMicroseconds(usec / 2.0) : null;
    }
}
