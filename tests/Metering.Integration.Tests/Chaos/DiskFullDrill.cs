using System.Diagnostics;
using System.Net;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Testing;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>Chaos: the disk under the ledger (and its outbox) runs full, whichever broker
/// the devices use. The gateway's data directory is on a real 16 MB tmpfs (<see cref="SmallDisk"/>,
/// needs root as CI has); a ballast file fills it while a fleet of real-core meters publishes.
/// Expected in both modes: commits fail with SQLite's "database or disk is full", the log and
/// /healthz (503) say so, no PUBACK goes out for what was not committed, (next to) nothing commits
/// while it lasts, and once the ballast is deleted the gateway recovers by itself: /healthz is
/// 200 again, the ledger equals every device's truth and no meter's sequence has a gap (every
/// reading that was acknowledged anywhere is in the ledger). Where the withheld PUBACKs pile up
/// differs (device outboxes, or the external broker's session): the caller checks that part.</summary>
internal static class DiskFullDrill
{
    /// <summary>The fleet as seen when commits had stopped, and again 3 s later.</summary>
    public sealed record WhileFull(FleetStatus Before, FleetStatus After);

    public static async Task RunAsync(SmallDisk disk, GatewayProcess gateway, int devicesBrokerPort, string community,
        Action<WhileFull> assertBackpressure, ITestOutputHelper output)
    {
        using var http = gateway.CreateHttpClient();
        using var flash = new TempDir("chaos-diskfull"); // the devices' flash is elsewhere: only the gateway's disk fills
        await using var fleet = ChaosKit.Fleet(flash, devicesBrokerPort, community, meters: 20);
        fleet.Start();
        var watch = Stopwatch.StartNew();
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) > 500, TimeSpan.FromSeconds(30), () => $"{fleet.Status()}\n{ChaosKit.Tail(gateway.Output)}");

        var ballast = disk.Fill();
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: disk filled with {ballast / 1048576.0:F1} MB of ballast, {disk.FreeBytes} bytes free; {fleet.Status()}");
        // SQLite may still fit a few commits into pages it already has (WAL); the first one that needs
        // a new page fails.
        await ChaosKit.UntilAsync(() => ChaosKit.MetricAsync(gateway, "metering_ledger_commit_failures_total").GetAwaiter().GetResult() > 0,
            TimeSpan.FromSeconds(60), () => $"no commit failed on a full disk; {fleet.Status()}\n{ChaosKit.Tail(gateway.Output)}");
        // The gateway turns unhealthy when the uplink that failed is next to be acknowledged.
        await ChaosKit.UntilAsync(() => !IsHealthy(http), TimeSpan.FromSeconds(10), () => $"/healthz stayed 200; {ChaosKit.Tail(gateway.Output)}");
        using (var health = await http.GetAsync("healthz"))
        {
            var body = await health.Content.ReadAsStringAsync();
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: /healthz {(int)health.StatusCode} {body}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("disk is full", body);
        }
        Assert.Contains("database or disk is full", gateway.Output);
        Assert.Contains("NOT acknowledged", gateway.Output);

        // While the disk stays full next to nothing commits (and what does not is not acknowledged by
        // the gateway). SQLite may still fit a small transaction into pages its WAL already has, so a
        // retry now and then may commit a reading or a few: far fewer than the devices publish.
        var committedWhenFull = ChaosKit.Committed(gateway);
        var before = fleet.Status();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var after = fleet.Status();
        var committedLater = ChaosKit.Committed(gateway);
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: full for 3 s; fleet {before} -> {after}; committed {committedWhenFull} -> {committedLater}");
        Assert.True((committedLater - committedWhenFull) * 10 < after.Published - before.Published,
            $"{committedLater - committedWhenFull} readings committed while the disk was full, of {after.Published - before.Published} uplinks published");
        assertBackpressure(new WhileFull(before, after));

        disk.Free();
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: ballast deleted, {disk.FreeBytes / 1048576.0:F1} MB free");
        await ChaosKit.UntilAsync(() => IsHealthy(http), TimeSpan.FromSeconds(30), () => $"not healthy again; {fleet.Status()}\n{ChaosKit.Tail(gateway.Output)}");
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) > committedWhenFull + 200, TimeSpan.FromSeconds(30),
            () => $"commits did not resume; {fleet.Status()}\n{ChaosKit.Tail(gateway.Output)}");
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: recovered; {fleet.Status()}");

        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(30));
        // No gap in any meter's sequence: every reading a device deleted on its PUBACK is in the ledger
        // (the outboxes never overflowed, so the cores thinned nothing).
        Assert.Equal(0, await ChaosKit.MetricAsync(gateway, "metering_flagged_total{flag=\"seq_gap\"}"));
        Assert.True(await ChaosKit.MetricAsync(gateway, "metering_ledger_commit_failures_total") > 0);
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: done");
    }

    /// <summary>A gateway whose data directory lies on the small disk.</summary>
    public static string DataDirectory(SmallDisk disk)
    {
        var data = Path.Combine(disk.Path, "data");
        Directory.CreateDirectory(data);
        return data;
    }

    private static bool IsHealthy(HttpClient http)
    {
        try
        {
            using var r = http.GetAsync("healthz").GetAwaiter().GetResult();
            return r.IsSuccessStatusCode;
        }
        catch (HttpRequestException)
        {
            return false;
        }
    }
}
