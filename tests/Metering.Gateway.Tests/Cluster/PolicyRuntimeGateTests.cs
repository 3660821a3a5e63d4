using Commons.Metering.Gateway.Cluster;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;

namespace Commons.Metering.Gateway.Tests.Cluster;

public sealed class PolicyRuntimeGateTests
{
    /// <summary>Counts starts and stops; the gate's contract is only when it calls them.</summary>
    private sealed class CountingRuntime : IHostedService
    {
        public int Starts;
        public int Stops;
        public Task StartAsync(CancellationToken cancellationToken) { Starts++; return Task.CompletedTask; }
        public Task StopAsync(CancellationToken cancellationToken) { Stops++; return Task.CompletedTask; }
    }

    [Fact]
    public async Task TheRuntime_RunsOnlyWhileThePolicysCommunityIsOwned()
    {
        var runtime = new CountingRuntime();
        var gate = new PolicyRuntimeGate(() => "north", runtime, NullLogger<PolicyRuntimeGate>.Instance);

        await gate.AcquiredAsync("south", CancellationToken.None);
        Assert.Equal(0, runtime.Starts);
        await gate.AcquiredAsync("north", CancellationToken.None);
        await gate.AcquiredAsync("north", CancellationToken.None);
        Assert.Equal(1, runtime.Starts);
        Assert.True(gate.Running);

        await gate.LostAsync("south", CancellationToken.None);
        Assert.Equal(0, runtime.Stops);
        await gate.LostAsync("north", CancellationToken.None);
        await gate.LostAsync("north", CancellationToken.None);
        Assert.Equal(1, runtime.Stops);
        Assert.False(gate.Running);

        await gate.AcquiredAsync("north", CancellationToken.None);
        Assert.Equal(2, runtime.Starts);
    }
}
