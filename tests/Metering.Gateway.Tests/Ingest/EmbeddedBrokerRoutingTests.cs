using System.Collections.Concurrent;
using System.Text;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Gateway.Tests.Telemetry;
using Microsoft.Extensions.Logging.Abstractions;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>A committed uplink is routed on to subscribers only once some client has subscribed to a
/// filter that can match uplinks; retained messages (the status) are always routed. Real MQTTnet
/// clients against the embedded broker; an MQTT 5 device sees the difference in its PUBACK's reason
/// code: Success when the uplink was not routed, NoMatchingSubscribers when MQTTnet routed it and found
/// no subscriber. A command goes straight into its device's session while only that device can receive
/// it (DownlinkRoutes), and through MQTTnet's routing once another client may: either way it reaches
/// exactly whom routing would reach.</summary>
public sealed class EmbeddedBrokerRoutingTests : IAsyncLifetime
{
    private readonly GatewayHarness _gw;
    private readonly EmbeddedBrokerIngest _broker;
    private readonly List<IMqttClient> _clients = [];
    private readonly int _port = global::Commons.Metering.Testing.FreePort.Next();

    public EmbeddedBrokerRoutingTests()
    {
        var options = new Gateway.Options.GatewayOptions();
        options.Broker.Port = _port;
        options.Broker.RequireAuthentication = false; // anonymous test clients on loopback
        options.Registry.AutoRegister = true;
        _gw = new GatewayHarness(options);
        _broker = new EmbeddedBrokerIngest(_gw.Pipeline, new BrokerHealth(), Microsoft.Extensions.Options.Options.Create(options),
            NullLogger<EmbeddedBrokerIngest>.Instance, _gw.Metrics, _gw.Time);
    }

    public async Task InitializeAsync()
    {
        await _gw.StartAsync();
        await _broker.StartAsync(CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        foreach (var c in _clients) c.Dispose();
        await _broker.StopAsync(CancellationToken.None);
        _broker.Dispose();
        await _gw.DisposeAsync();
    }

    [Fact]
    public async Task AnUplink_IsNotRouted_UntilSomeoneSubscribesToUplinks_ThenItReachesThem()
    {
        // A device as the firmware behaves: subscribed to its own command topic.
        var device = await ConnectAsync("m1");
        await SubscribeAsync(device, "commons/v1/c1/m1/down/cmd");
        var first = await PublishReadingAsync(device, 1);
        Assert.Equal(MqttClientPublishReasonCode.Success, first.ReasonCode); // committed, not routed

        // A subscription that cannot match an uplink changes nothing.
        var bystander = await ConnectAsync("bystander");
        await SubscribeAsync(bystander, "commons/v1/c1/+/down/#");
        Assert.Equal(MqttClientPublishReasonCode.Success, (await PublishReadingAsync(device, 2)).ReasonCode);
        Assert.Equal(0, await _gw.Metrics.ValueAsync("metering_broker_uplink_routing"));

        // One that can: from now on uplinks are routed, to it and to nobody else.
        var observer = await ConnectAsync("observer");
        var seen = new List<string>();
        observer.ApplicationMessageReceivedAsync += e =>
        {
            lock (seen) seen.Add(e.ApplicationMessage.Topic + " " + e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await SubscribeAsync(observer, "commons/v1/c1/+/up/reading");
        Assert.Equal(MqttClientPublishReasonCode.Success, (await PublishReadingAsync(device, 3)).ReasonCode); // matched the observer
        Assert.Equal(1, await _gw.Metrics.ValueAsync("metering_broker_uplink_routing")); // what an operator sees on /metrics
        await WaitUntil(() => { lock (seen) return seen.Count == 1; });
        Assert.Contains("\"seq\":3", seen.Single());

        // Routed now even where nobody matches: MQTTnet says so in the PUBACK.
        var other = await ConnectAsync("m2");
        var unmatched = await other.PublishAsync(Message("commons/v1/c1/m2/up/event",
            "{\"v\":1,\"seq\":1,\"ts\":" + Now() + ",\"kind\":\"boot\"}", retain: false));
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, unmatched.ReasonCode);

        // Every reading was committed, routed or not.
        Assert.Equal(3, _gw.Store.ListMeters().Single(m => m.Meter.Id == "m1").LastSeq);
    }

    [Fact]
    public async Task ARetainedStatus_IsKeptForALaterSubscriber_WithoutRouting_BeforeAnyoneWantedUplinks()
    {
        var device = await ConnectAsync("m1");
        await PublishReadingAsync(device, 1); // registers m1 with the ledger
        var status = await device.PublishAsync(Message("commons/v1/c1/m1/up/status",
            "{\"v\":1,\"ts\":" + Now() + ",\"state\":\"online\",\"fw\":\"1.0.0\",\"boot\":1,\"outbox\":0}", retain: true));
        // Stored as retained without being routed through every session (no NoMatchingSubscribers).
        Assert.Equal(MqttClientPublishReasonCode.Success, status.ReasonCode);

        var observer = await ConnectAsync("observer");
        var retained = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        observer.ApplicationMessageReceivedAsync += e =>
        {
            if (e.ApplicationMessage.Retain) retained.TrySetResult(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await SubscribeAsync(observer, "commons/v1/c1/+/up/status");
        Assert.Contains("\"online\"", await retained.Task.WaitAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("#", true)]
    [InlineData("commons/#", true)]
    [InlineData("commons/v1/+/+/up/#", true)]
    [InlineData("commons/v1/c1/m1/up/reading", true)]
    [InlineData("commons/v1/c1/m1/up/reading/#", true)] // "#" also matches its parent level
    [InlineData("commons/+/c1/+/+/status", true)]
    [InlineData("+/+/+/+/+/+", true)]
    [InlineData("$share/dash/commons/v1/c1/+/up/+", true)]
    [InlineData("commons/v1/c1/m1/down/cmd", false)] // what every device subscribes to
    [InlineData("commons/v1/c1/m1/down/#", false)]
    [InlineData("commons/v1/c1/m1/up/cmd", false)]
    [InlineData("commons/v2/c1/m1/up/reading", false)]
    [InlineData("commons/v1/c1/m1/up", false)]
    [InlineData("commons/v1/c1/m1/up/reading/more", false)]
    [InlineData("other/#", false)]
    [InlineData("+/+/+/+/+", false)]
    public void FilterMayMatch_SaysWhetherAFilterCanMatchAnUplink(string filter, bool expected) =>
        Assert.Equal(expected, UplinkTopic.FilterMayMatch(filter));

    [Fact]
    public async Task ACommand_GoesStraightToItsDevice_EvenAsleep_UntilAWatcherTurnsRoutingOn()
    {
        var (device, commands) = await DeviceAsync("m1");
        await SubscribeAsync(device, "commons/v1/c1/m1/down/cmd");
        await _broker.PublishAsync("commons/v1/c1/m1/down/cmd", Encoding.UTF8.GetBytes("one"), CancellationToken.None);
        await WaitUntil(() => commands.Contains("one"));
        Assert.Equal(0, await _gw.Metrics.ValueAsync("metering_broker_downlink_routing"));

        // Asleep (session kept): queued, delivered when it is back.
        await device.DisconnectAsync();
        await _broker.PublishAsync("commons/v1/c1/m1/down/cmd", Encoding.UTF8.GetBytes("two"), CancellationToken.None);
        await device.ConnectAsync(device.Options);
        await WaitUntil(() => commands.Contains("two"));

        // An operator watching every command: from now on MQTTnet routes them, to both.
        var watcher = await ConnectAsync("operator");
        var watched = new List<string>();
        watcher.ApplicationMessageReceivedAsync += e =>
        {
            lock (watched) watched.Add(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await SubscribeAsync(watcher, "commons/v1/+/+/down/#");
        Assert.Equal(1, await _gw.Metrics.ValueAsync("metering_broker_downlink_routing"));
        await _broker.PublishAsync("commons/v1/c1/m1/down/cmd", Encoding.UTF8.GetBytes("three"), CancellationToken.None);
        await WaitUntil(() => commands.Contains("three"));
        await WaitUntil(() => { lock (watched) return watched.SequenceEqual(["three"]); });
        Assert.Equal(["one", "two", "three"], commands.ToArray());
    }

    [Fact]
    public async Task ADeviceBackWithACleanSession_GetsNoCommand_UntilItSubscribesAgain_AsRoutingWouldDo()
    {
        var (device, commands) = await DeviceAsync("m1");
        await SubscribeAsync(device, "commons/v1/c1/m1/down/cmd");
        await device.DisconnectAsync();
        // Back with a clean session: its subscription is gone, and so is the shortcut.
        var clean = new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _port).WithClientId("m1")
            .WithProtocolVersion(MqttProtocolVersion.V311).WithCleanSession(true).Build();
        await device.ConnectAsync(clean);
        await _broker.PublishAsync("commons/v1/c1/m1/down/cmd", Encoding.UTF8.GetBytes("lost"), CancellationToken.None);
        await SubscribeAsync(device, "commons/v1/c1/m1/down/cmd");
        await _broker.PublishAsync("commons/v1/c1/m1/down/cmd", Encoding.UTF8.GetBytes("after"), CancellationToken.None);
        await WaitUntil(() => commands.Contains("after"));
        Assert.Equal(["after"], commands.ToArray());

        // Unsubscribed: nothing reaches it either.
        await device.UnsubscribeAsync("commons/v1/c1/m1/down/cmd");
        await _broker.PublishAsync("commons/v1/c1/m1/down/cmd", Encoding.UTF8.GetBytes("unsubscribed"), CancellationToken.None);
        await device.PingAsync(); // a round trip after the command: it would have arrived before the PINGRESP
        await Task.Delay(200);
        Assert.Equal(["after"], commands.ToArray());
    }

    [Theory]
    [InlineData("m1", "commons/v1/c1/m1/down/cmd", false)] // its own command topic, what the firmware subscribes to
    [InlineData("m1", "commons/v1/c1/m2/down/cmd", true)] // another device's
    [InlineData("m1", "commons/v1/c1/m1/down/#", true)] // errs towards routing
    [InlineData("operator", "commons/v1/+/+/down/#", true)]
    [InlineData("operator", "#", true)]
    [InlineData("operator", "$share/ops/commons/v1/c1/+/down/cmd", true)]
    [InlineData("dashboard", "commons/v1/+/+/up/#", false)]
    [InlineData("other", "other/#", false)]
    public void ASubscription_WatchesDownlinks_WhenItCanMatchAnotherClientsCommand(string clientId, string filter, bool watches)
    {
        var routes = new DownlinkRoutes();
        Assert.Equal(watches, routes.Subscribed(clientId, filter));
        Assert.Equal(watches, routes.Watched);
    }

    /// <summary>A device as the firmware connects: MQTT 3.1.1, session kept (clean session off).</summary>
    private async Task<(IMqttClient Client, ConcurrentQueue<string> Commands)> DeviceAsync(string id)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        _clients.Add(client);
        var commands = new ConcurrentQueue<string>();
        client.ApplicationMessageReceivedAsync += e =>
        {
            commands.Enqueue(e.ApplicationMessage.ConvertPayloadToString());
            return Task.CompletedTask;
        };
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _port).WithClientId(id)
            .WithProtocolVersion(MqttProtocolVersion.V311).WithCleanSession(false).Build());
        return (client, commands);
    }

    private async Task<IMqttClient> ConnectAsync(string id)
    {
        var client = new MqttClientFactory().CreateMqttClient();
        _clients.Add(client);
        await client.ConnectAsync(new MqttClientOptionsBuilder().WithTcpServer("127.0.0.1", _port)
            .WithClientId(id).WithProtocolVersion(MqttProtocolVersion.V500).Build());
        return client;
    }

    private static async Task SubscribeAsync(IMqttClient client, string filter)
    {
        var result = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.GrantedQoS1, result.Items.Single().ResultCode);
    }

    private Task<MqttClientPublishResult> PublishReadingAsync(IMqttClient device, long seq) =>
        device.PublishAsync(Message("commons/v1/c1/m1/up/reading",
            $"{{\"v\":1,\"seq\":{seq},\"ts\":{Now()},\"ch\":[{{\"n\":\"main\",\"u\":\"mL\",\"reg\":{seq * 10}}}]}}", retain: false));

    private long Now() => _gw.Time.GetUtcNow().ToUnixTimeMilliseconds();

    private static MqttApplicationMessage Message(string topic, string payload, bool retain) => new MqttApplicationMessageBuilder()
        .WithTopic(topic).WithPayload(Encoding.UTF8.GetBytes(payload)).WithRetainFlag(retain)
        .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    private static async Task WaitUntil(Func<bool> condition) =>
        Assert.True(await Testing.Poll.UntilAsync(condition, TimeSpan.FromSeconds(10), TimeSpan.FromMilliseconds(20)));
}
