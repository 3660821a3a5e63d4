using System.Diagnostics;
using Commons.Metering.Testing;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>Chaos: devices offline for 7 simulated days. Their broker (the gateway's
/// embedded one) is not there while their sped-up clocks run a week; the core's outbox (64 records
/// here) fills and thins. When the gateway comes up they reconnect, drain their outboxes oldest first, and
/// the ledger equals each device's truth even though thinning dropped readings.</summary>
[Trait("Category", "Integration")]
public sealed class DeviceOfflineChaosTests(ITestOutputHelper output)
{
    private const double Week = 7 * 86_400_000.0;

    /// <summary>A small outbox, so a week of readings (one per fleet step, ~140 in 8 s) overflows it.</summary>
    private const int Outbox = 64;

    [Fact]
    public async Task SevenSimulatedDaysOffline_OutboxDrainsInOrder_LedgerExact()
    {
        using var gateway = new GatewayProcess(); // not started: the devices' broker is unreachable
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        using var flash = new TempDir("chaos-offline");
        // 7 device-days in 8 s; a reading every 15 device-minutes, or one per fleet step when steps are slower.
        const double speed = Week / 8_000;
        await using var fleet = new Firmware.Host.Fleet.MeterFleet(new Firmware.Host.Fleet.FleetOptions
        {
            Broker = new Firmware.Host.Mqtt.MqttBrokerOptions { Host = "127.0.0.1", Port = gateway.BrokerPort, ConnectTimeout = TimeSpan.FromSeconds(2), AckTimeout = TimeSpan.FromSeconds(10) },
            DataDirectory = flash.Path,
            Community = "chaos-b",
            Meters = 5,
            ReadingIntervalMs = 15 * 60_000,
            OutboxCapacity = Outbox,
            ClockSpeed = speed,
            // Two weeks back: one offline, one to drain in, so no reading is ahead of the gateway clock.
            ClockStartUnixMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() - 2 * (long)Week,
            Seed = 7,
        });
        fleet.Start();
        var watch = Stopwatch.StartNew();
        await ChaosKit.UntilAsync(() => fleet.ClockUnixMs - DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() >= -(long)Week,
            TimeSpan.FromSeconds(20), () => $"{fleet.Status()}");
        var status = fleet.Status();
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: a device-week offline; {status}");
        Assert.Equal(0, status.Connected);
        // More uplinks than the outbox holds: the core must have thinned it.
        var truths = fleet.Truth();
        output.WriteLine(string.Join("; ", truths.Select(t => $"{t.MeterId}: seq {t.LastSeq}, outbox {t.OutboxDepth}")));
        Assert.All(truths, t => Assert.True(t.LastSeq > Outbox && t.OutboxDepth <= Outbox, $"{t.MeterId}: seq {t.LastSeq}, outbox {t.OutboxDepth}"));

        gateway.Start();
        await ChaosKit.AssertLedgerEqualsTruthAsync(fleet, gateway, output, TimeSpan.FromSeconds(15));
        output.WriteLine($"{watch.Elapsed.TotalSeconds:F1} s: drained; {fleet.Status()}");
        // In order: no reading arrived after a newer one of its meter ('late' flag); thinning shows
        // as sequence gaps, which lose resolution, never usage.
        Assert.Equal(0, await ChaosKit.MetricAsync(gateway, "metering_flagged_total{flag=\"late\"}"));
        Assert.True(await ChaosKit.MetricAsync(gateway, "metering_flagged_total{flag=\"seq_gap\"}") > 0, "no reading was thinned: the test proves less than it says");
    }
}
