namespace Commons.Metering.Firmware.Platform
{
    /// <summary>The MQTT client as the core needs it: M2Mqtt on the ESP32, MQTTnet on a host.
    /// Blocking calls, no async (nanoFramework has none). QoS 1 always. The transport does not
    /// reconnect by itself; the core's session owns reconnection, backoff and the outbox.</summary>
    public interface IMqttTransport
    {
        bool IsConnected { get; }

        /// <summary>Connects with cleanSession=false and the given retained last will.
        /// Returns false (never throws) when the broker is unreachable or refuses.</summary>
        bool Connect(string clientId, string willTopic, byte[] willPayload);

        void Disconnect();

        /// <summary>Publishes the first <paramref name="count"/> bytes of
        /// <paramref name="payload"/> at QoS 1. Returns the message id (&gt; 0) whose
        /// <see cref="ITransportListener.OnPublished"/> will follow, or -1 when it could not be
        /// sent. The transport copies the bytes it needs before returning.</summary>
        int Publish(string topic, byte[] payload, int count, bool retain);

        bool Subscribe(string topic);

        /// <summary>Receives the transport's callbacks; they may arrive on any thread.</summary>
        void SetListener(ITransportListener listener);
    }

    public interface ITransportListener
    {
        /// <summary>The broker acknowledged (PUBACK) message <paramref name="messageId"/>.</summary>
        void OnPublished(int messageId);

        /// <summary>A message arrived on a subscribed topic. Returns false when the listener had no room
        /// for it: a transport that can should then not acknowledge it (no PUBACK), so the broker delivers
        /// it again with the session (docs/protocol.md "Per-device window"); true when it was taken or will
        /// never be (not a command topic, oversized).</summary>
        bool OnMessage(string topic, byte[] payload, int count);

        /// <summary>The connection dropped; in-flight messages were not acknowledged.</summary>
        void OnConnectionLost();
    }

    /// <summary>Randomness for backoff jitter; a seeded one in tests and in the simulator.</summary>
    public interface IRandom
    {
        /// <summary>Uniform in [0, maxExclusive).</summary>
        int Next(int maxExclusive);
    }
}
