using Commons.Metering.Testing;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>Chaos: the disk under the ledger runs full with the embedded broker (the drill:
/// <see cref="DiskFullDrill"/>). Here the withheld PUBACKs are the devices': their outboxes grow
/// while the disk is full (backpressure reaches every device) and drain once it is not.</summary>
[Trait("Category", "Integration")]
public sealed class DiskFullChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DiskFull_CommitsStopWithAClearError_NothingAcknowledgedIsLost_AndItRecoversWhenSpaceReturns()
    {
        using var disk = new SmallDisk(sizeMb: 16);
        using var gateway = new GatewayProcess(DiskFullDrill.DataDirectory(disk));
        gateway.Environment["Metering__Registry__AutoRegister"] = "true";
        gateway.Environment["Metering__Broker__RateLimitPerMeterPerSecond"] = "0";
        gateway.Environment["Logging__LogLevel__Default"] = "Warning";
        gateway.Start();
        await DiskFullDrill.RunAsync(disk, gateway, gateway.BrokerPort, "chaos-d", full =>
            Assert.True(full.After.OutboxDepth > full.Before.OutboxDepth,
                $"device outboxes did not grow while the disk was full: {full.Before.OutboxDepth} -> {full.After.OutboxDepth}"), output);
    }
}
