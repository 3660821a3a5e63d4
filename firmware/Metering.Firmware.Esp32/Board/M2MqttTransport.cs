using System;
using Commons.Metering.Firmware.Platform;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Messages;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>The core's MQTT seam over nanoFramework.M2Mqtt: MQTT 3.1.1, QoS 1, cleanSession=false,
    /// retained QoS 1 last will, username/password from the configuration. M2Mqtt neither reconnects
    /// nor bounds its inflight queue by default: the core's session owns reconnection (backoff with
    /// jitter) and this class caps the queue (MqttSettings.InflightQueueSize).
    /// A fresh MqttClient is made for every connection attempt, so no state of a dead connection
    /// (threads, queues, socket) is carried over.</summary>
    internal sealed class M2MqttTransport : IMqttTransport
    {
        /// <summary>Keep-alive in seconds: a dead link is noticed within 1.5 x this (MQTT 3.1.1, 3.1.2.10).</summary>
        private const ushort KeepAliveS = 60;

        private readonly string _host;
        private readonly int _port;
        private readonly string _user;
        private readonly string _password;
        private readonly int _inflightCap;
        private readonly object _sync = new object();
        private MqttClient _client;
        private ITransportListener _listener;
        private bool _closingByUs;

        /// <param name="inflightCap">Messages M2Mqtt may hold unacknowledged: the core's MaxInflight
        /// plus the retained status and the subscription, which it sends outside its outbox.</param>
        public M2MqttTransport(string host, int port, string user, string password, int inflightCap)
        {
            _host = host;
            _port = port;
            _user = user;
            _password = password;
            _inflightCap = inflightCap;
        }

        public bool IsConnected
        {
            get
            {
                MqttClient client = _client;
                return client != null && client.IsConnected;
            }
        }

        public void SetListener(ITransportListener listener)
        {
            _listener = listener;
        }

        public bool Connect(string clientId, string willTopic, byte[] willPayload)
        {
            Drop();
            try
            {
                MqttClient client = new MqttClient(_host, _port, false, null, null, MqttSslProtocols.None);
                client.ProtocolVersion = MqttProtocolVersion.Version_3_1_1;
                client.Settings.InflightQueueSize = _inflightCap;
                client.MqttMsgPublished += OnPublished;
                client.MqttMsgPublishReceived += OnReceived;
                client.ConnectionClosed += OnClosed;
                lock (_sync)
                {
                    _client = client;
                    _closingByUs = false;
                }
                // M2Mqtt takes the will as a string; the core's payloads are ASCII (docs/protocol.md).
                MqttReasonCode code = client.Connect(clientId, _user, _password,
                    true, MqttQoSLevel.AtLeastOnce, true, willTopic, Ascii(willPayload),
                    false, KeepAliveS);
                return code == MqttReasonCode.Success;
            }
            catch (Exception ex)
            {
                BoardLog.Line("mqtt connect: " + ex.Message);
                Drop();
                return false;
            }
        }

        public void Disconnect()
        {
            lock (_sync)
            {
                _closingByUs = true;
            }
            Drop();
        }

        public int Publish(string topic, byte[] payload, int count, bool retain)
        {
            MqttClient client = _client;
            if (client == null || !client.IsConnected)
            {
                return -1;
            }
            // M2Mqtt keeps the array until the PUBACK (it resends it): it must be a copy of exactly
            // the payload. One allocation per uplink, at most 1 KB, garbage once acknowledged.
            byte[] message = new byte[count];
            Array.Copy(payload, message, count);
            try
            {
                ushort id = client.Publish(topic, message, null, null, MqttQoSLevel.AtLeastOnce, retain);
                return id > 0 ? id : -1;
            }
            catch (Exception ex)
            {
                // The inflight queue is full or the socket died: the core will resend after reconnecting.
                BoardLog.Line("mqtt publish: " + ex.Message);
                return -1;
            }
        }

        public bool Subscribe(string topic)
        {
            MqttClient client = _client;
            if (client == null || !client.IsConnected)
            {
                return false;
            }
            try
            {
                return client.Subscribe(new string[] { topic }, new MqttQoSLevel[] { MqttQoSLevel.AtLeastOnce }) > 0;
            }
            catch (Exception)
            {
                return false;
            }
        }

        private void OnPublished(object sender, MqttMsgPublishedEventArgs e)
        {
            ITransportListener listener = _listener;
            if (listener == null || sender != _client)
            {
                return;
            }
            if (e.IsPublished)
            {
                listener.OnPublished(e.MessageId);
            }
            else
            {
                // M2Mqtt gave up after its retries: treat it as a lost connection so the core
                // resends the record after reconnecting instead of waiting for a PUBACK forever.
                listener.OnConnectionLost();
                Drop();
            }
        }

        private void OnReceived(object sender, MqttMsgPublishEventArgs e)
        {
            ITransportListener listener = _listener;
            if (listener != null && sender == _client)
            {
                listener.OnMessage(e.Topic, e.Message, e.Message.Length);
            }
        }

        private void OnClosed(object sender, EventArgs e)
        {
            bool lost;
            lock (_sync)
            {
                lost = sender == _client && !_closingByUs;
            }
            ITransportListener listener = _listener;
            if (lost && listener != null)
            {
                listener.OnConnectionLost();
            }
        }

        private void Drop()
        {
            MqttClient client;
            lock (_sync)
            {
                client = _client;
                _client = null;
            }
            if (client == null)
            {
                return;
            }
            try
            {
                if (client.IsConnected)
                {
                    client.Disconnect();
                }
                client.Close();
            }
            catch (Exception)
            {
                // Already gone.
            }
        }

        private static string Ascii(byte[] bytes)
        {
            char[] chars = new char[bytes.Length];
            for (int i = 0; i < bytes.Length; i++)
            {
                chars[i] = (char)bytes[i];
            }
            return new string(chars);
        }
    }
}
