using System.Diagnostics;
using System.Net;
using Commons.Metering.Testing;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>Issue #6, chaos: the disk under the ledger (and its outbox) runs full. The gateway's data
/// directory is on a real 16 MB tmpfs (<see cref="SmallDisk"/>, needs root as CI has); a ballast file
/// fills it while a fleet of real-core meters publishes. Expected: commits fail with SQLite's
/// "database or disk is full", the log and /healthz say so, no PUBACK goes out for what was not
/// committed (devices keep those readings in their outboxes), and once the ballast is deleted the
/// gateway recovers by itself: outboxes drain and the ledger equals every device's truth, with no
/// sequence gap (nothing that was acknowledged is missing).</summary>
[Trait("Category", "Integration")]
public sealed class DiskFullChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DiskFull_CommitsStopWithAClearError_NothingAcknowledgedIsLost_AndItRecoversWhenSpaceReturns()
    {
        using var disk = new SmallDisk(sizeMb: 16);
        using var gateway = new GatewayProcess(Path.Combine(disk.Path, "data"));
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Metering__Broker__RateLimitPerMeterPerSecond"] = "0";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        Directory.CreateDirectory(gateway.DataDirectory);
        gateway.Start();
        using var http = gateway.CreateHttpClient();
        using var flash = new TempDir("chaos-diskfull"); // the devices' flash is elsewhere: only the gateway's disk fills
        await using var fleet = ChaosKit.Fleet(flash, gateway.BrokerPort, "chaos-d", meters: 20);
        fleet.Start();
        var watch = Stopwatch.StartNew();
        await ChaosKit.UntilAsync(() => ChaosKit.Committed(gateway) > 500, TimeSpan.FromSeconds(30), () => $"{fleet.Status()}\n{ChaosKit.Tail(gateway.Output)}");

        var ballast = disk.Fill();
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: disk filled with {ballast / 1048576.0:F1} MB of ballast, {disk.FreeBytes} bytes free; {fleet.Status()}");
        // SQLite may still fit a few commits into pages it already has (WAL); the first one that needs
        // a new page fails.
        await ChaosKit.UntilAsync(() => ChaosKit.MetricAsync(gateway, "metering_ledger_commit_failures_total").GetAwaiter().GetResult() > 0,
            TimeSpan.FromSeconds(60), () => $"no commit failed on a full disk; {fleet.Status()}\n{ChaosKit.Tail(gateway.Output)}");
        using (var health = await http.GetAsync("healthz"))
        {
            var body = await health.Content.ReadAsStringAsync();
            output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: /healthz {(int)health.StatusCode} {body}");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            Assert.Contains("disk is full", body);
        }
        Assert.Contains("database or disk is full", gateway.Output);
        Assert.Contains("NOT acknowledged", gateway.Output);

        // While the disk stays full nothing is acknowledged: the devices' outboxes grow and the
        // committed count stands still (backpressure reaches every device).
        var committedWhenFull = ChaosKit.Committed(gateway);
        var outboxWhenFull = fleet.Truth().Sum(t => t.OutboxDepth);
        await Task.Delay(TimeSpan.FromSeconds(3));
        var outboxLater = fleet.Truth().Sum(t => t.OutboxDepth);
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: full for 3 s; outboxes {outboxWhenFull} -> {outboxLater}, committed {committedWhenFull} -> {ChaosKit.Committed(gateway)}");
        Assert.True(outboxLater > outboxWhenFull, $"device outboxes did not grow while the disk was full: {outboxWhenFull} -> {outboxLater}");
        Assert.Equal(committedWhenFull, ChaosKit.Committed(gateway));

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
