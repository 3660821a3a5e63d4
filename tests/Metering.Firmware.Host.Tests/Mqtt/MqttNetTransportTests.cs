using System.Collections.Concurrent;
using System.Text;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Platform;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Mqtt;

[Trait("Category", "Integration")]
public sealed class MqttNetTransportTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);
    private static readonly byte[] Offline = Encoding.UTF8.GetBytes("{\"v\":1,\"state\":\"offline\"}");

    [Fact]
    public async Task Publish_ReturnsAnId_ThenThePubackReportsThatId_AndTheMessageArrives()
    {
        using var broker = Broker.Start();
        await using var sub = await Subscriber.StartAsync(broker.Port, "commons/v1/#");
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port });
        var listener = new RecordingListener();
        transport.SetListener(listener);
        Assert.True(transport.Connect("w-0001", "commons/v1/demo/w-0001/up/status", Offline));
        Assert.True(transport.IsConnected);

        var buffer = Encoding.UTF8.GetBytes("{\"v\":1,\"seq\":1}trailing-bytes-not-sent");
        var ids = new List<int>();
        for (var i = 0; i < 5; i++) ids.Add(transport.Publish("commons/v1/demo/w-0001/up/reading", buffer, 15, false));

        Assert.All(ids, id => Assert.InRange(id, 1, 65535));
        Assert.Equal(5, ids.Distinct().Count());
        Assert.True(await listener.WaitAsync(l => l.Published.Count == 5, Wait));
        Assert.Equal(ids.Order(), listener.Published.Order());
        Assert.True(await sub.WaitAsync(m => m.Count == 5, Wait));
        Assert.All(sub.Messages, m => Assert.Equal("{\"v\":1,\"seq\":1}", Encoding.UTF8.GetString(m.Payload)));
        Assert.Equal((5L, 5L), (transport.PublishedCount, transport.AcknowledgedCount));
    }

    [Fact]
    public void Connect_ToAPortWithNoBroker_ReturnsFalseWithoutThrowing()
    {
        var port = FreePort.Next();
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1", Port = port, ConnectTimeout = TimeSpan.FromSeconds(3) });
        Assert.False(transport.Connect("w-0001", "commons/v1/demo/w-0001/up/status", Offline));
        Assert.False(transport.IsConnected);
        Assert.Equal(-1, transport.Publish("commons/v1/demo/w-0001/up/reading", new byte[] { 1 }, 1, false));
    }

    [Fact]
    public async Task BrokerGoingAway_ReportsConnectionLost_AndReconnectWorksAfterItReturns()
    {
        using var broker = Broker.Start();
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port });
        var listener = new RecordingListener();
        transport.SetListener(listener);
        Assert.True(transport.Connect("w-0002", "commons/v1/demo/w-0002/up/status", Offline));

        broker.Kill();
        Assert.True(await listener.WaitAsync(l => l.ConnectionLost == 1, Wait));
        Assert.False(transport.IsConnected);

        broker.Restart();
        Assert.True(transport.Connect("w-0002", "commons/v1/demo/w-0002/up/status", Offline));
        var id = transport.Publish("commons/v1/demo/w-0002/up/reading", new byte[] { (byte)'x' }, 1, false);
        Assert.True(await listener.WaitAsync(l => l.Published.Contains(id), Wait));
    }

    [Fact]
    public async Task Disconnect_ByTheCore_IsNotReportedAsALostConnection()
    {
        using var broker = Broker.Start();
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port });
        var listener = new RecordingListener();
        transport.SetListener(listener);
        Assert.True(transport.Connect("w-0003", "commons/v1/demo/w-0003/up/status", Offline));
        transport.Disconnect();
        Assert.False(transport.IsConnected);
        // A lost connection would be reported within milliseconds; give it a generous moment.
        Assert.False(await listener.WaitAsync(l => l.ConnectionLost > 0, TimeSpan.FromMilliseconds(500)));
    }

    [Fact]
    public async Task Will_IsRetainedOffline_WhenTheConnectionDiesWithoutDisconnect()
    {
        using var broker = Broker.Start();
        using (var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port }))
        {
            Assert.True(transport.Connect("w-0004", "commons/v1/demo/w-0004/up/status", Offline));
            transport.Abort();
        }
        // A client that subscribes afterwards still gets the will: it was retained.
        await using var late = await Subscriber.StartAsync(broker.Port, "commons/v1/demo/w-0004/up/status", "late");
        Assert.True(await late.WaitAsync(m => m.Count == 1, Wait), broker.Output);
        Assert.True(late.Messages[0].Retain);
        Assert.Equal(Offline, late.Messages[0].Payload);
    }

    [Fact]
    public async Task Subscribe_DeliversCommands_AndTheSessionKeepsThoseSentWhileAway()
    {
        using var broker = Broker.Start();
        await using var gateway = await Subscriber.StartAsync(broker.Port, "nothing/#", "gateway");
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port });
        var listener = new RecordingListener();
        transport.SetListener(listener);
        Assert.True(transport.Connect("w-0005", "commons/v1/demo/w-0005/up/status", Offline));
        Assert.True(transport.Subscribe("commons/v1/demo/w-0005/down/cmd"));

        await gateway.PublishAsync("commons/v1/demo/w-0005/down/cmd", "first");
        Assert.True(await listener.WaitAsync(l => l.Messages.Count == 1, Wait));

        transport.Disconnect();
        await gateway.PublishAsync("commons/v1/demo/w-0005/down/cmd", "while-away");
        // cleanSession=false: the broker kept the subscription and queued the QoS 1 command.
        Assert.True(transport.Connect("w-0005", "commons/v1/demo/w-0005/up/status", Offline));
        Assert.True(await listener.WaitAsync(l => l.Messages.Count == 2, Wait));
        Assert.Equal(new[] { "first", "while-away" }, listener.Messages.Select(m => m.Payload));
        Assert.All(listener.Messages, m => Assert.Equal("commons/v1/demo/w-0005/down/cmd", m.Topic));
    }

    [Fact]
    public async Task ARefusedCommand_IsNotAcknowledged_AndTheBrokerDeliversItAgainWhenTheSessionResumes()
    {
        using var broker = Broker.Start();
        await using var gateway = await Subscriber.StartAsync(broker.Port, "nothing/#", "gateway");
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port });
        var listener = new RecordingListener { Refuse = p => p == "second" };
        transport.SetListener(listener);
        Assert.True(transport.Connect("w-0006", "commons/v1/demo/w-0006/up/status", Offline));
        Assert.True(transport.Subscribe("commons/v1/demo/w-0006/down/cmd"));

        foreach (var p in new[] { "first", "second", "third" }) await gateway.PublishAsync("commons/v1/demo/w-0006/down/cmd", p);
        Assert.True(await listener.WaitAsync(l => l.Offered.Count == 3, Wait));
        Assert.Equal(new[] { "first", "third" }, listener.Messages.Select(m => m.Payload));
        Assert.Equal(1, transport.RefusedCount);

        // The session resumes (cleanSession=false): the broker sends the unacknowledged one again, and only it.
        listener.Refuse = _ => false;
        transport.Disconnect();
        Assert.True(transport.Connect("w-0006", "commons/v1/demo/w-0006/up/status", Offline));
        Assert.True(await listener.WaitAsync(l => l.Messages.Count == 3, Wait), broker.Output);
        Assert.Equal(new[] { "first", "third", "second" }, listener.Messages.Select(m => m.Payload));
        // An acknowledged message is not delivered again on the next resume.
        transport.Disconnect();
        Assert.True(transport.Connect("w-0006", "commons/v1/demo/w-0006/up/status", Offline));
        Assert.False(await listener.WaitAsync(l => l.Offered.Count > 4, TimeSpan.FromMilliseconds(500)));
        Assert.Equal(1, transport.RefusedCount);
    }

    private sealed class RecordingListener : ITransportListener
    {
        private readonly ConcurrentQueue<int> _published = new();
        private readonly ConcurrentQueue<(string Topic, string Payload)> _messages = new();
        private int _lost;

        public IReadOnlyList<int> Published => _published.ToArray();
        public IReadOnlyList<(string Topic, string Payload)> Messages => _messages.ToArray();
        public int ConnectionLost => Volatile.Read(ref _lost);

        public void OnPublished(int messageId) => _published.Enqueue(messageId);
        private readonly ConcurrentQueue<string> _offered = new();

        /// <summary>Payloads to refuse as a full inbox would (OnMessage returns false).</summary>
        public Func<string, bool> Refuse { get; set; } = _ => false;

        /// <summary>Every payload offered, refused or not.</summary>
        public IReadOnlyList<string> Offered => _offered.ToArray();

        public bool OnMessage(string topic, byte[] payload, int count)
        {
            var text = Encoding.UTF8.GetString(payload, 0, count);
            _offered.Enqueue(text);
            if (Refuse(text)) return false;
            _messages.Enqueue((topic, text));
            return true;
        }
        public void OnConnectionLost() => Interlocked.Increment(ref _lost);

        public async Task<bool> WaitAsync(Func<RecordingListener, bool> done, TimeSpan timeout)
        {
            var deadline = DateTime.UtcNow + timeout;
            while (DateTime.UtcNow < deadline)
            {
                if (done(this)) return true;
                await Task.Delay(10);
            }
            return done(this);
        }
    }
}
