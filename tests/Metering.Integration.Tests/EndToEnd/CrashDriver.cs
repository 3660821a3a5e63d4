using System.Diagnostics;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Testing;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.EndToEnd;

/// <summary>How hard a crash run pushes: how many meters stream, how often the gateway dies, how many readings
/// must be committed at least, how long it may take, and the longest pause between two kills.</summary>
internal sealed record CrashRun(int Meters, int Kills, long MinReadings, TimeSpan Budget, int MaxPauseMs);

/// <summary>The crash tests' common part, whatever the storage provider: a simulated fleet (the real firmware
/// core, each meter with its own flash file and outbox) streams through the gateway's embedded broker while
/// the gateway process is killed with SIGKILL at random moments and restarted on the same state; then the
/// fleet is frozen, drained and stopped, and its truth returned for the caller to compare with its ledger.</summary>
internal static class CrashDriver
{
    /// <param name="committed">Readings committed so far, read from the provider's ledger.</param>
    public static async Task<IReadOnlyList<MeterTruth>> RunAsync(GatewayProcess gateway, CrashRun run, Func<long> committed, ITestOutputHelper output)
    {
        var seed = Environment.TickCount;
        output.WriteLine($"kill schedule seed: {seed}");
        var random = new Random(seed);
        using var flash = new TempDir("crash-fleet");
        await using var fleet = new MeterFleet(new FleetOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1", Port = gateway.BrokerPort, AckTimeout = TimeSpan.FromSeconds(20) },
            DataDirectory = flash.Path,
            Community = "crash",
            Meters = run.Meters,
            // A reading a device-minute, the clock 600x: ~10 readings/s per meter.
            ReadingIntervalMs = 60_000,
            ClockSpeed = 600,
            Seed = seed,
        });
        fleet.Start();

        var watch = Stopwatch.StartNew();
        var kills = 0;
        long count = 0;
        while (kills < run.Kills || count < run.MinReadings)
        {
            Assert.True(watch.Elapsed < run.Budget, $"only {count} readings committed after {kills} kills\n{gateway.Output}");
            Assert.Null(fleet.Fault);
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(1500, run.MaxPauseMs)));
            if (kills < run.Kills)
            {
                gateway.Kill();
                kills++;
                await Task.Delay(TimeSpan.FromMilliseconds(random.Next(0, 1000)));
                gateway.Restart();
            }
            count = committed();
            output.WriteLine($"{watch.Elapsed.TotalSeconds,6:F1} s: {kills} kills, {count} readings committed, fleet {fleet.Status()}");
        }
        Assert.Equal(run.Kills, kills);

        await fleet.FreezeAsync();
        Assert.True(await fleet.WaitForDrainAsync(TimeSpan.FromMinutes(3)), $"device outboxes did not drain: {fleet.Status()}");
        var truths = fleet.Truth();
        // Frozen devices keep taking periodic readings (zero usage); stop them so the ledger stands still.
        await fleet.StopAsync(graceful: true);
        output.WriteLine($"{watch.Elapsed.TotalSeconds,6:F1} s: drained; {committed()} readings committed");
        return truths;
    }
}
