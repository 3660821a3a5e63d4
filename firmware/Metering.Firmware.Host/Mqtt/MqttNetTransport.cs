using System.Buffers;
using Commons.Metering.Firmware.Platform;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace Commons.Metering.Firmware.Host.Mqtt;

/// <summary>The core's <see cref="IMqttTransport"/> over an MQTTnet 5 client: MQTT 3.1.1 (what
/// M2Mqtt speaks on the device), QoS 1, cleanSession=false, a retained QoS 1 last will; each
/// connection attempt takes the next of <see cref="MqttBrokerOptions.Endpoints"/>. Calls
/// block with timeouts; nothing reconnects here (the core owns reconnection and its outbox).
/// <see cref="Publish"/> returns at once with an id of its own; the PUBACK completes MQTTnet's
/// publish task, whose continuation reports <see cref="ITransportListener.OnPublished"/>.
/// A received message the listener refuses is not acknowledged (<see cref="RefusedCount"/>).</summary>
public sealed class MqttNetTransport : IMqttTransport, IDisposable
{
    private readonly MqttBrokerOptions _broker;
    private readonly IMqttClient _client;
    // Held while a publish is handed to MQTTnet, so its PUBACK callback cannot overtake the
    // return of Publish (the core must know the id before it hears of its acknowledgement).
    private readonly object _publishGate = new();
    private ITransportListener? _listener;
    private int _lastId;
    private int _nextEndpoint;
    private volatile bool _disconnecting;
    private long _published;
    private long _acknowledged;
    private long _acknowledgedNotRetained;
    private long _refused;
    private int _disposed;

    public MqttNetTransport(MqttBrokerOptions broker)
    {
        _broker = broker ?? throw new ArgumentNullException(nameof(broker));
        _client = new MqttClientFactory().CreateMqttClient();
        _client.DisconnectedAsync += OnDisconnectedAsync;
        _client.ApplicationMessageReceivedAsync += OnApplicationMessageAsync;
    }

    /// <summary>Raised after each callback has been delivered to the listener (PUBACK, message,
    /// connection lost): a scheduler uses it to tick the device again at once.</summary>
    public event Action? CallbackDelivered;

    public bool IsConnected => _client.IsConnected;

    /// <summary>Publishes handed to the broker (ids returned) and PUBACKs reported.</summary>
    public long PublishedCount => Interlocked.Read(ref _published);
    public long AcknowledgedCount => Interlocked.Read(ref _acknowledged);

    /// <summary>PUBACKs of non-retained publishes: the core's outbox records (readings, events,
    /// acks), without its retained status.</summary>
    public long AcknowledgedNotRetainedCount => Interlocked.Read(ref _acknowledgedNotRetained);

    /// <summary>Messages the listener refused (its inbox was full) and this transport left without a PUBACK,
    /// so the broker delivers them again when the session resumes (docs/protocol.md "Per-device window").</summary>
    public long RefusedCount => Interlocked.Read(ref _refused);

    public void SetListener(ITransportListener listener) => _listener = listener;

    public bool Connect(string clientId, string willTopic, byte[] willPayload)
    {
        if (Volatile.Read(ref _disposed) != 0) return false;
        if (_client.IsConnected) return true;
        _disconnecting = false;
        // Each attempt takes the next listener of the cluster: a dead node costs one attempt.
        var endpoints = _broker.Endpoints;
        var (host, port) = endpoints[_nextEndpoint];
        _nextEndpoint = (_nextEndpoint + 1) % endpoints.Count;
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithClientId(clientId)
            .WithCleanSession(false)
            .WithKeepAlivePeriod(_broker.KeepAlive)
            .WithTimeout(_broker.AckTimeout)
            .WithWillTopic(willTopic)
            .WithWillPayload(willPayload)
            .WithWillQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithWillRetain(true);
        if (_broker.Username is not null) builder = builder.WithCredentials(_broker.Username, _broker.Password ?? "");
        try
        {
            using var timeout = new CancellationTokenSource(_broker.ConnectTimeout);
            var result = _client.ConnectAsync(builder.Build(), timeout.Token).GetAwaiter().GetResult();
            return result.ResultCode == MqttClientConnectResultCode.Success;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Unreachable, refused or timed out: the core backs off and tries again.
            return false;
        }
    }

    public void Disconnect()
    {
        _disconnecting = true;
        if (!_client.IsConnected) return;
        try
        {
            using var timeout = new CancellationTokenSource(_broker.ConnectTimeout);
            _client.DisconnectAsync(new MqttClientDisconnectOptions(), timeout.Token).GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Already gone: nothing left to close.
        }
    }

    public int Publish(string topic, byte[] payload, int count, bool retain)
    {
        if (!_client.IsConnected) return -1;
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload.AsSpan(0, count).ToArray())
            .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
            .WithRetainFlag(retain)
            .Build();
        lock (_publishGate)
        {
            Task<MqttClientPublishResult> task;
            try
            {
                task = _client.PublishAsync(message, CancellationToken.None);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return -1;
            }
            if (task.IsFaulted || task.IsCanceled) return -1;
            var id = NextId();
            Interlocked.Increment(ref _published);
            task.ContinueWith(t => Completed(t, id, retain), CancellationToken.None,
                TaskContinuationOptions.None, TaskScheduler.Default);
            return id;
        }
    }

    public bool Subscribe(string topic)
    {
        if (!_client.IsConnected) return false;
        try
        {
            using var timeout = new CancellationTokenSource(_broker.AckTimeout);
            var result = _client.SubscribeAsync(topic, MqttQualityOfServiceLevel.AtLeastOnce, timeout.Token)
                .GetAwaiter().GetResult();
            return result.Items.Count > 0 && result.Items.All(i =>
                i.ResultCode is MqttClientSubscribeResultCode.GrantedQoS0 or MqttClientSubscribeResultCode.GrantedQoS1
                    or MqttClientSubscribeResultCode.GrantedQoS2);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    /// <summary>Drops the connection without a DISCONNECT packet, as a power cut would, so the
    /// broker publishes the last will. The transport cannot connect again afterwards.</summary>
    public void Abort()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        _disconnecting = true;
        _client.Dispose();
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Disconnect();
        _client.Dispose();
    }

    private int NextId()
    {
        // 1..65535 like an MQTT packet id (M2Mqtt returns a ushort); never 0.
        var next = _lastId % 65535 + 1;
        _lastId = next;
        return next;
    }

    private void Completed(Task<MqttClientPublishResult> task, int id, bool retain)
    {
        lock (_publishGate) { }
        if (task.IsCompletedSuccessfully && task.Result.IsSuccess)
        {
            Interlocked.Increment(ref _acknowledged);
            if (!retain) Interlocked.Increment(ref _acknowledgedNotRetained);
            _listener?.OnPublished(id);
            CallbackDelivered?.Invoke();
            return;
        }
        _ = task.Exception; // observed: a lost connection is reported by OnDisconnectedAsync
        if (_client.IsConnected && !_disconnecting)
        {
            // No PUBACK in time although the connection looks alive: drop it, so the core
            // hears OnConnectionLost and resends from its outbox after reconnecting.
            _ = _client.TryDisconnectAsync(MqttClientDisconnectOptionsReason.UnspecifiedError, "no PUBACK");
        }
    }

    private Task OnDisconnectedAsync(MqttClientDisconnectedEventArgs e)
    {
        if (e.ClientWasConnected && !_disconnecting)
        {
            _listener?.OnConnectionLost();
            CallbackDelivered?.Invoke();
        }
        return Task.CompletedTask;
    }

    private Task OnApplicationMessageAsync(MqttApplicationMessageReceivedEventArgs e)
    {
        var payload = e.ApplicationMessage.Payload.ToArray();
        if (_listener is { } listener && !listener.OnMessage(e.ApplicationMessage.Topic, payload, payload.Length))
        {
            // No room in the core's inbox: no PUBACK, so the broker keeps it in flight and delivers it
            // again when the session resumes (MQTT 3.1.1 4.4); the gateway's resend may bring it sooner.
            e.AutoAcknowledge = false;
            Interlocked.Increment(ref _refused);
        }
        CallbackDelivered?.Invoke();
        return Task.CompletedTask;
    }
}
