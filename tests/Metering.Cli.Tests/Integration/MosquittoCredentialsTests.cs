using System.Diagnostics;
using Commons.Metering.Testing;
using Commons.Metering.Testing.Servers;

namespace Commons.Metering.Cli.Tests.Integration;

/// <summary>A real mosquitto 2 started with the password and ACL files that `metering broker
/// credentials` exported for two provisioned devices.</summary>
[Trait("Category", "Integration")]
public sealed class MosquittoCredentialsTests : IClassFixture<MosquittoCredentialsTests.Broker>
{
    private const string A = "w-0001";
    private const string B = "w-0002";
    private readonly Broker _broker;

    public MosquittoCredentialsTests(Broker broker) => _broker = broker;

    public sealed class Broker : IDisposable
    {
        public Broker()
        {
            Fleet = new ProvisionedFleet([A, B]);
            Mosquitto = new Mosquitto(Fleet.PasswordFile, Fleet.AclFile);
            try
            {
                Mosquitto.Start();
            }
            catch
            {
                Dispose(); // xUnit does not dispose a fixture whose constructor threw
                throw;
            }
        }

        internal ProvisionedFleet Fleet { get; }
        public Mosquitto Mosquitto { get; }

        public void Dispose()
        {
            Mosquitto.Dispose();
            Fleet.Dispose();
        }
    }

    private ProvisionedFleet Fleet => _broker.Fleet;
    private int Port => _broker.Mosquitto.Port;

    private async Task<TestMqtt> GatewayListeningAsync(string clientId)
    {
        var gw = new TestMqtt();
        Assert.Null(await gw.ConnectAsync(Port, clientId, ProvisionedFleet.GatewayUser, Fleet.GatewayPassword));
        Assert.True(await gw.SubscribeAsync("commons/v1/+/+/up/#"));
        return gw;
    }

    [Fact]
    public async Task Device_PublishesUnderItsOwnTopics_WithMosquittoPub()
    {
        await using var gw = await GatewayListeningAsync("gw-own");
        var pub = MosquittoPub("-u", A, "-P", Fleet.Password(A), "-i", A, "-q", "1", "-t", ProvisionedFleet.Topic(A, "up/reading"), "-m", "own");
        Assert.True(pub.ExitCode == 0, pub.Output);
        Assert.Equal((ProvisionedFleet.Topic(A, "up/reading"), "own"), gw.Next());
    }

    [Fact]
    public async Task Device_CannotPublishUnderAnotherDevicesTopics()
    {
        await using var gw = await GatewayListeningAsync("gw-foreign");
        await using var a = new TestMqtt();
        Assert.Null(await a.ConnectAsync(Port, A, A, Fleet.Password(A)));
        await a.PublishAsync(ProvisionedFleet.Topic(B, "up/reading"), "forged");
        await a.PublishAsync(ProvisionedFleet.Topic(A, "up/reading"), "marker");
        // Same publisher, same subscriber, QoS 1: mosquitto keeps the order, so the forged message
        // would have arrived before the marker.
        Assert.Equal((ProvisionedFleet.Topic(A, "up/reading"), "marker"), gw.Next());
        Assert.Empty(gw.Received);
    }

    [Fact]
    public async Task Device_CannotReadAnotherDevicesDownlinks()
    {
        await using var a = new TestMqtt();
        Assert.Null(await a.ConnectAsync(Port, A, A, Fleet.Password(A)));
        await a.SubscribeAsync(ProvisionedFleet.Topic(B, "down/#")); // mosquitto grants it but filters every message
        Assert.True(await a.SubscribeAsync(ProvisionedFleet.Topic(A, "down/#")));
        await using var gw = new TestMqtt();
        Assert.Null(await gw.ConnectAsync(Port, "gw-down", ProvisionedFleet.GatewayUser, Fleet.GatewayPassword));
        await gw.PublishAsync(ProvisionedFleet.Topic(B, "down/cmd"), "for-b");
        await gw.PublishAsync(ProvisionedFleet.Topic(A, "down/cmd"), "for-a");
        Assert.Equal((ProvisionedFleet.Topic(A, "down/cmd"), "for-a"), a.Next());
        Assert.Empty(a.Received);
    }

    /// <summary>docs/protocol.md, "confirmation": the device subscribes to its own down/confirm, the
    /// gateway account publishes there, and no device can forge another's confirmation.</summary>
    [Fact]
    public async Task Confirmations_ReachTheirDevice_FromTheGatewayAccount_AndCannotBeForgedByAnotherDevice()
    {
        await using var a = new TestMqtt();
        Assert.Null(await a.ConnectAsync(Port, A, A, Fleet.Password(A)));
        Assert.True(await a.SubscribeAsync(ProvisionedFleet.Topic(A, "down/confirm")));
        await using var b = new TestMqtt();
        Assert.Null(await b.ConnectAsync(Port, B, B, Fleet.Password(B)));
        Assert.True(await b.SubscribeAsync(ProvisionedFleet.Topic(B, "down/confirm")));
        await b.PublishAsync(ProvisionedFleet.Topic(A, "down/confirm"), "{\"v\":1,\"seqs\":[1,99]}"); // forged by b
        await using var gw = new TestMqtt();
        Assert.Null(await gw.ConnectAsync(Port, "gw-confirm", ProvisionedFleet.GatewayUser, Fleet.GatewayPassword));
        await gw.PublishAsync(ProvisionedFleet.Topic(A, "down/confirm"), "{\"v\":1,\"seqs\":[4,4]}");
        Assert.Equal((ProvisionedFleet.Topic(A, "down/confirm"), "{\"v\":1,\"seqs\":[4,4]}"), a.Next());
        Assert.Empty(a.Received);
        Assert.Empty(b.Received);
    }

    [Fact]
    public async Task WrongPassword_UnknownDevice_AndAnonymous_AreRefused()
    {
        var wrong = MosquittoPub("-u", A, "-P", Fleet.Password(B), "-i", A, "-t", ProvisionedFleet.Topic(A, "up/reading"), "-m", "x");
        Assert.NotEqual(0, wrong.ExitCode);
        Assert.Contains("not authori", wrong.Output);

        await using var unknown = new TestMqtt();
        Assert.NotNull(await unknown.ConnectAsync(Port, "w-9999", "w-9999", Fleet.Password(A)));
        await using var anonymous = new TestMqtt();
        Assert.NotNull(await anonymous.ConnectAsync(Port, "w-anon", null, null));
    }

    private (int ExitCode, string Output) MosquittoPub(params string[] args)
    {
        var psi = new ProcessStartInfo(ServerProcess.Require("mosquitto_pub", "mosquitto-clients"))
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        };
        foreach (var a in new[] { "-h", "127.0.0.1", "-p", Port.ToString(), "-V", "mqttv311" }.Concat(args)) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(15_000), "mosquitto_pub did not exit");
        return (p.ExitCode, output.Result + error);
    }
}
