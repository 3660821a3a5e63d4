using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;
using Xunit.Abstractions;

namespace Commons.Metering.Tests.Chaos;

/// <summary>Chaos: the disk under the ledger runs full while the gateway takes uplinks from
/// an external broker (a real mosquitto; the drill: <see cref="DiskFullDrill"/>). mosquitto keeps
/// acknowledging the devices, so their outboxes stay small; the gateway withholds ITS PUBACKs and
/// keeps its connection, so mosquitto holds the uplinks in the gateway's persistent session until
/// the ledger commits again (Ingest/ExternalBrokerIngest.Acknowledge.cs). Every one of them must
/// reach the ledger afterwards, once.</summary>
[Trait("Category", "Integration")]
public sealed class ExternalDiskFullChaosTests(ITestOutputHelper output)
{
    [Fact]
    public async Task DiskFullBehindMosquitto_GatewayWithholdsItsPubacks_HealthzSaysWhy_AndEverythingMosquittoKeptIsCommittedOnceSpaceReturns()
    {
        using var broker = new Mosquitto();
        broker.Start();
        using var disk = new SmallDisk(sizeMb: 16);
        using var gateway = ChaosKit.ExternalGateway(broker.Port, DiskFullDrill.DataDirectory(disk));
        gateway.Start();
        await DiskFullDrill.RunAsync(disk, gateway, broker.Port, "chaos-xd", full =>
        {
            // The devices go on publishing and mosquitto acknowledges them: what the gateway does not
            // commit is in mosquitto's keeping now, and the drill's final check finds all of it.
            Assert.True(full.After.Acknowledged > full.Before.Acknowledged + 100,
                $"mosquitto did not go on accepting the devices' uplinks: {full.Before} -> {full.After}");
            // Held, not churned: no reconnect (that would make mosquitto resend its whole window each
            // time), and the watchdog does not take the gateway's own silence for a deaf connection.
            Assert.DoesNotContain("Disconnected from broker", gateway.Output, StringComparison.Ordinal);
            Assert.DoesNotContain("Subscription watchdog: ", gateway.Output, StringComparison.Ordinal);
        }, output);
        Assert.DoesNotContain("Disconnected from broker", gateway.Output, StringComparison.Ordinal);
        Assert.Contains("Ledger commits succeed again", gateway.Output, StringComparison.Ordinal);
    }
}
