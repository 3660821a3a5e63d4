using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Demo;

/// <summary>Demo mode (Metering:Demo:SimulatedMeters > 0, or <c>--demo</c>): registers a simulated
/// fleet of water, energy and forest meters and runs it in this process. Each meter is the real
/// firmware core on the host runtime with its own flash file under {DataDirectory}/sim and its own
/// MQTT connection to the broker, exactly like a field device. Registered after the gateway's own
/// services, so it starts once the ledger and the broker run: it registers its meters before any of
/// them publishes, and stops first.</summary>
internal sealed class DemoFleetService(
    LedgerWriter ledger,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<DemoFleetService> logger) : IHostedService, IAsyncDisposable
{
    public const string Community = "demo";

    /// <summary>A reading every 5 s of real time: something to watch without flooding the demo's ledger.</summary>
    public const int ReadingIntervalMs = 5_000;

    private MeterFleet? _fleet;

    /// <summary>The fleet's options for <paramref name="o"/>: one water, one energy, one forest meter in turn.</summary>
    public static FleetOptions FleetOptionsFor(GatewayOptions o) => new()
    {
        Broker = new MqttBrokerOptions { Host = o.Broker.Host, Port = o.Broker.Port },
        DataDirectory = Path.Combine(o.Storage.DataDirectory, "sim"),
        Community = Community,
        Meters = o.Demo.SimulatedMeters,
        Mix = (1, 1, 1),
        ReadingIntervalMs = ReadingIntervalMs,
        ClockSpeed = 1,
        // Water in 5 L draws with quiet spells between them, as households use it, so a policy's
        // leak detection (continuous flow) does not take the demo's use for leaks (FleetOptions).
        WaterDrawMl = 5_000,
        // Every water meter draws once and every forest meter books a load with its permit within
        // the first 40 s, so a newcomer sees every resource move in the first minute: the profiles
        // alone give about one draw per half hour and one load per 3.5 days (FleetOptions).
        FirstUseWithinMs = FirstUseWithinMs,
    };

    /// <summary>40 s: with a reading every 5 s, the first use is on the dashboard within the first minute.</summary>
    public const int FirstUseWithinMs = 40_000;

    public static IReadOnlyList<MeterInfo> Meters(FleetOptions fleet) =>
        Enumerable.Range(0, fleet.Meters).Select(i => new MeterInfo(fleet.MeterIdOf(i), Community, fleet.KindOf(i) switch
        {
            MeterKind.Water => Resource.Water,
            MeterKind.Energy => Resource.Energy,
            _ => Resource.Forest,
        })).ToList();

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var fleetOptions = FleetOptionsFor(options.Value);
        var meters = Meters(fleetOptions);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await Task.WhenAll(meters.Select(m => ledger.SubmitAsync(new RegisterMeterWrite(m, now), cancellationToken)));
        _fleet = new MeterFleet(fleetOptions);
        _fleet.Start();
        logger.LogInformation("Demo mode: {Count} simulated meters in community '{Community}' publish a reading every {IntervalMs} ms to {Broker}",
            meters.Count, Community, ReadingIntervalMs, fleetOptions.Broker);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_fleet is not null) await _fleet.StopAsync(graceful: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_fleet is not null) await _fleet.DisposeAsync();
    }
}
