using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Ledger;
using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Commons.Metering.Gateway.Demo;

/// <summary>Demo mode (Metering:Demo:SimulatedMeters > 0): registers the simulated meters and is the
/// extension point where the simulated fleet (firmware core on the host runtime, publishing to the
/// broker like real devices) is started. Registered only when demo mode is on; it starts after the
/// ledger and before the broker, so the meters exist before the first reading arrives.</summary>
internal sealed class DemoFleetService(
    LedgerWriter ledger,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    ILogger<DemoFleetService> logger) : IHostedService
{
    public const string Community = "demo";

    /// <summary>demo-w001..: water, demo-e001..: energy, demo-f001..: forest, in turn.</summary>
    public static IReadOnlyList<MeterInfo> Meters(int count)
    {
        var list = new List<MeterInfo>(count);
        for (var i = 0; i < count; i++)
        {
            var resource = (Resource)(i % 3);
            var letter = resource switch { Resource.Water => 'w', Resource.Energy => 'e', _ => 'f' };
            list.Add(new MeterInfo($"demo-{letter}{i + 1:D4}", Community, resource));
        }
        return list;
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var meters = Meters(options.Value.Demo.SimulatedMeters);
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        await Task.WhenAll(meters.Select(m => ledger.SubmitAsync(new RegisterMeterWrite(m, now), cancellationToken)));
        logger.LogInformation("Demo mode: {Count} simulated meters registered in community '{Community}'", meters.Count, Community);
        await StartFleetAsync(meters, cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => StopFleetAsync(cancellationToken);

    /// <summary>EXTENSION POINT: start the simulated fleet here (Metering.Firmware.Host's simulator,
    /// one device per meter, connecting to the broker at Metering:Broker:Host/Port).</summary>
    private Task StartFleetAsync(IReadOnlyList<MeterInfo> meters, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>EXTENSION POINT: stop the simulated fleet.</summary>
    private Task StopFleetAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
