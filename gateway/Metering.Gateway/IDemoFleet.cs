using Commons.Metering.Gateway.Options;
using Microsoft.Extensions.DependencyInjection;

namespace Commons.Metering.Gateway;

/// <summary>A simulated fleet run in the gateway's process: what gateway/Metering.Gateway.Demo hands to
/// <see cref="GatewayHost.RunAsync(string[], IDemoFleet?)"/>. The fleet runs the real firmware core on
/// the host runtime (System.Device.Gpio, Iot.Device.Bindings, System.IO.Ports), so it lives in that
/// program and the gateway the Debian package ships carries none of those packages.</summary>
public interface IDemoFleet
{
    /// <summary>How often each simulated meter publishes a reading, for the start-up lines.</summary>
    int ReadingIntervalMs { get; }

    /// <summary>Writes the policy the fleet runs under when no policy file is configured (households,
    /// allowances, a council) into the data directory and returns its path.</summary>
    string WritePolicy(GatewayOptions options);

    /// <summary>Adds the fleet's hosted service; called after the gateway's own services, so the ledger
    /// and the broker start before the simulated meters register and connect.</summary>
    void AddServices(IServiceCollection services, GatewayOptions options);
}
