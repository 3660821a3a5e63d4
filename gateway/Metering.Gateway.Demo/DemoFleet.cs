using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Gateway.Demo;

/// <summary>What this program adds to the gateway's host: the simulated fleet's service and, when no
/// policy file is configured, its generated policy.</summary>
internal sealed class DemoFleet : IDemoFleet
{
    public int ReadingIntervalMs => DemoFleetService.ReadingIntervalMs;

    public string WritePolicy(GatewayOptions options) =>
        DemoPolicy.WriteFile(options.Storage.DataDirectory, DemoFleetService.FleetOptionsFor(options));

    public void AddServices(IServiceCollection services, GatewayOptions options) => services.AddHostedService<DemoFleetService>();
}
