using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Commons.Metering.Gateway.Cluster;

/// <summary>Runs the policy runtime (PolicyRuntime/) only while this instance owns the policy's community: started
/// when the lease is taken, stopped when it is lost or handed back, so two instances never run one
/// community's policy at once. The runtime is any hosted service; what it keeps lives in the shared
/// database, so the next owner resumes from there.</summary>
internal sealed class PolicyRuntimeGate(Func<string> community, IHostedService runtime, ILogger<PolicyRuntimeGate> logger) : ILeaseListener
{
    private int _running;

    public bool Running => Volatile.Read(ref _running) == 1;

    public async Task AcquiredAsync(string owned, CancellationToken cancellationToken)
    {
        if (owned != community() || Interlocked.Exchange(ref _running, 1) == 1) return;
        logger.LogWarning("Cluster: starting the policy runtime of community {Community} (this instance owns it now)", owned);
        await runtime.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task LostAsync(string lost, CancellationToken cancellationToken)
    {
        if (lost != community() || Interlocked.Exchange(ref _running, 0) == 0) return;
        logger.LogWarning("Cluster: stopping the policy runtime of community {Community} (the lease left this instance)", lost);
        await runtime.StopAsync(cancellationToken).ConfigureAwait(false);
    }
}
