using System.Net.Http.Json;
using System.Text.Json;
using Commons.Metering.Testing;

namespace Commons.Metering.Cli.Tests.Integration;

/// <summary>The same rules enforced by the gateway's embedded broker (Metering:Broker:RequireAuthentication
/// = true) from the credentials file that `metering provision` wrote into its data directory while it
/// was running (the broker re-reads the file: no restart).</summary>
[Trait("Category", "Integration")]
public sealed class EmbeddedBrokerCredentialsTests : IClassFixture<EmbeddedBrokerCredentialsTests.Gateway>
{
    private const string A = "w-0001";
    private const string B = "w-0002";
    private readonly Gateway _gateway;

    public EmbeddedBrokerCredentialsTests(Gateway gateway) => _gateway = gateway;

    public sealed class Gateway : IDisposable
    {
        public Gateway()
        {
            Process = new GatewayProcess();
            Process.Environment["Metering__Broker__RequireAuthentication"] = "true";
            try
            {
                Process.Start();
                Fleet = new ProvisionedFleet([A, B], Path.Combine(Process.DataDirectory, "broker-credentials.json"), Process.BaseUrl);
            }
            catch
            {
                Process.Dispose(); // xUnit does not dispose a fixture whose constructor threw
                throw;
            }
        }

        public GatewayProcess Process { get; }
        internal ProvisionedFleet Fleet { get; }

        public void Dispose()
        {
            Process.Dispose();
            Fleet.Dispose();
        }
    }

    private ProvisionedFleet Fleet => _gateway.Fleet;
    private int Port => _gateway.Process.BrokerPort;

    private static string Reading(long seq, long register) =>
        $"{{\"v\":1,\"seq\":{seq},\"ts\":{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{register}}}]}}";

    /// <summary>The meter's last committed seq; 0 (or null) before its first reading.</summary>
    private async Task<long> LastSeqAsync(string meter)
    {
        using var http = _gateway.Process.CreateHttpClient();
        var meters = await http.GetFromJsonAsync<JsonElement>("api/v1/meters");
        var m = meters.EnumerateArray().Single(e => e.GetProperty("id").GetString() == meter);
        return m.GetProperty("lastSeq").ValueKind == JsonValueKind.Number ? m.GetProperty("lastSeq").GetInt64() : 0;
    }

    [Fact]
    public async Task Device_PublishesItsReading_AndCannotForgeAnotherDevicesReading()
    {
        await using var a = new TestMqtt();
        Assert.Null(await a.ConnectAsync(Port, A, A, Fleet.Password(A)));
        var before = await LastSeqAsync(A);
        await a.PublishAsync(ProvisionedFleet.Topic(B, "up/reading"), Reading(1_000, 5));
        await a.PublishAsync(ProvisionedFleet.Topic(A, "up/reading"), Reading(before + 1, 10));
        // The embedded broker handles one connection's publishes in order and returns the PUBACK
        // after the commit, so both have been decided when PublishAsync returned.
        Assert.Equal(before + 1, await LastSeqAsync(A));
        Assert.Equal(0, await LastSeqAsync(B));
    }

    [Fact]
    public async Task Device_MaySubscribeOnlyToItsOwnDownlinks_AndReceivesThem()
    {
        await using var a = new TestMqtt();
        Assert.Null(await a.ConnectAsync(Port, A, A, Fleet.Password(A)));
        Assert.False(await a.SubscribeAsync(ProvisionedFleet.Topic(B, "down/#")));
        Assert.False(await a.SubscribeAsync("commons/#"));
        Assert.True(await a.SubscribeAsync(ProvisionedFleet.Topic(A, "down/#")));

        await using var gw = new TestMqtt();
        Assert.Null(await gw.ConnectAsync(Port, "gw-tool", ProvisionedFleet.GatewayUser, Fleet.GatewayPassword));
        await gw.PublishAsync(ProvisionedFleet.Topic(B, "down/cmd"), "for-b");
        await gw.PublishAsync(ProvisionedFleet.Topic(A, "down/cmd"), "for-a");
        Assert.Equal((ProvisionedFleet.Topic(A, "down/cmd"), "for-a"), a.Next());
        Assert.Empty(a.Received);
    }

    [Fact]
    public async Task Device_CannotLeaveAWillUnderAnotherDevicesTopics()
    {
        await using var gw = new TestMqtt();
        Assert.Null(await gw.ConnectAsync(Port, "gw-wills", ProvisionedFleet.GatewayUser, Fleet.GatewayPassword));
        Assert.True(await gw.SubscribeAsync("commons/v1/+/+/up/status"));
        await RawMqttConnection.ConnectAndDropAsync(Port, A, A, Fleet.Password(A), ProvisionedFleet.Topic(B, "up/status"), "{\"v\":1,\"state\":\"offline\"}");
        // Same client id again: the broker has finished the first connection (and its will) by then.
        await RawMqttConnection.ConnectAndDropAsync(Port, A, A, Fleet.Password(A), ProvisionedFleet.Topic(A, "up/status"), "{\"v\":1,\"state\":\"offline\"}");
        Assert.Equal(ProvisionedFleet.Topic(A, "up/status"), gw.Next().Topic);
        Assert.Empty(gw.Received);
    }

    [Theory]
    [InlineData("wrong-password")]
    [InlineData("unknown-device")]
    [InlineData("anonymous")]
    [InlineData("client-id-of-another-device")]
    public async Task Connection_IsRefused(string reason)
    {
        await using var c = new TestMqtt();
        var refused = reason switch
        {
            "wrong-password" => await c.ConnectAsync(Port, A, A, Fleet.Password(B)),
            "unknown-device" => await c.ConnectAsync(Port, "w-9999", "w-9999", Fleet.Password(A)),
            "anonymous" => await c.ConnectAsync(Port, "w-anon", null, null),
            _ => await c.ConnectAsync(Port, B, A, Fleet.Password(A)),
        };
        Assert.NotNull(refused);
    }
}
