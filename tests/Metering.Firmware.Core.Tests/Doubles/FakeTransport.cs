using System.Text;
using System.Text.Json;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Tests.Doubles;

public sealed record Published(string Topic, byte[] Payload, bool Retain, int MessageId)
{
    public string Text => Encoding.UTF8.GetString(Payload);

    public JsonElement Json => JsonDocument.Parse(Payload).RootElement;

    public long Seq => Json.GetProperty("seq").GetInt64();
}

public sealed record ConnectCall(string ClientId, string WillTopic, byte[] WillPayload, long UptimeMs);

/// <summary>An MQTT transport double: records what the device sends; the test plays the broker
/// (acknowledges, drops the connection, delivers commands).</summary>
public sealed class FakeTransport(ManualClock clock) : IMqttTransport
{
    private ITransportListener? _listener;
    private int _nextId = 1;

    public bool AcceptConnections { get; set; } = true;
    public bool FailPublishes { get; set; }
    /// <summary>The PUBACK callback fires before Publish returns (a fast broker on another thread).</summary>
    public bool AckInsidePublish { get; set; }
    public bool IsConnected { get; private set; }
    public List<ConnectCall> Connects { get; } = [];
    public List<Published> Published { get; } = [];
    public List<string> Subscriptions { get; } = [];
    public int Disconnects { get; private set; }
    /// <summary>Message ids published and not yet acknowledged by <see cref="Ack"/>.</summary>
    public List<int> Unacked { get; } = [];

    public ITransportListener Listener => _listener ?? throw new InvalidOperationException("no listener");

    public bool Connect(string clientId, string willTopic, byte[] willPayload)
    {
        Connects.Add(new ConnectCall(clientId, willTopic, (byte[])willPayload.Clone(), clock.UptimeMs));
        IsConnected = AcceptConnections;
        return IsConnected;
    }

    public void Disconnect()
    {
        IsConnected = false;
        Disconnects++;
        Unacked.Clear();
    }

    public int Publish(string topic, byte[] payload, int count, bool retain)
    {
        if (!IsConnected || FailPublishes)
        {
            return -1;
        }
        int id = _nextId++;
        Published.Add(new Published(topic, payload[..count], retain, id));
        Unacked.Add(id);
        if (AckInsidePublish)
        {
            Ack(id);
        }
        return id;
    }

    public bool Subscribe(string topic)
    {
        Subscriptions.Add(topic);
        return IsConnected;
    }

    public void SetListener(ITransportListener listener) => _listener = listener;

    public void Ack(int messageId)
    {
        Unacked.Remove(messageId);
        Listener.OnPublished(messageId);
    }

    public void AckAll()
    {
        foreach (int id in Unacked.ToArray())
        {
            Ack(id);
        }
    }

    public void DropConnection()
    {
        IsConnected = false;
        Unacked.Clear();
        Listener.OnConnectionLost();
    }

    /// <summary>A message from the broker; false when the listener refused it (a real transport would not acknowledge it).</summary>
    public bool Deliver(string topic, string json)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(json);
        return Listener.OnMessage(topic, bytes, bytes.Length);
    }

    public IEnumerable<Published> On(string suffix) => Published.Where(p => p.Topic.EndsWith(suffix, StringComparison.Ordinal));
}
