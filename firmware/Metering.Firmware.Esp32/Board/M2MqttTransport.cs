using System;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Platform;
using nanoFramework.M2Mqtt;
using nanoFramework.M2Mqtt.Messages;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>The core's MQTT seam over nanoFramework.M2Mqtt: MQTT 3.1.1, cleanSession=false,
    /// retained QoS 1 last will, username/password from the configuration. M2Mqtt neither reconnects
    /// nor bounds its inflight queue by default: the core's session owns reconnection (backoff with
    /// jitter) and this class caps the queue (MqttSettings.InflightQueueSize, with room for incoming
    /// commands: TransportQueue). A fresh MqttClient is made for every connection attempt, so no
    /// state of a dead connection (threads, queues, socket) is carried over, and the attempt runs on
    /// its own thread (BackgroundConnect): Connect returns within ConnectWaitMs even when the broker
    /// never answers, so the main loop keeps polling sensors and feeding the watchdog.</summary>
    internal sealed class M2MqttTransport : IMqttTransport
    {
        /// <summary>Keep-alive in seconds: a dead link is noticed within 1.5 x this (MQTT 3.1.1, 3.1.2.10).</summary>
        private const ushort KeepAliveS = 60;

        /// <summary>How long one Connect call waits for the background attempt: far below the smallest
        /// watchdog_ms (5000, DeviceSetup) so the main loop always comes back in time, and long enough
        /// for a broker on the local network to answer within the first call.</summary>
        private const int ConnectWaitMs = 1000;

        private readonly DeviceSetup _brokers;
        private int _nextBroker;
        private string _host;
        private int _port;
        private readonly string _user;
        private readonly string _password;
        private readonly int _inflightCap;
        private readonly object _sync = new object();
        private readonly BackgroundConnect _connector = new BackgroundConnect();
        private MqttClient _client;
        private ITransportListener _listener;
        private bool _closingByUs;
        private int _generation;
        private string _clientId;
        private string _willTopic;
        private string _will;

        /// <param name="brokers">The setup's brokers (mqtt.servers, else mqtt.host and mqtt.port):
        /// every new connection attempt takes the next one, so a dead cluster node costs one attempt.</param>
        /// <param name="inflightCap">Messages M2Mqtt may hold unacknowledged, in both directions
        /// (TransportQueue.InflightCapacity).</param>
        public M2MqttTransport(DeviceSetup brokers, string user, string password, int inflightCap)
        {
            _brokers = brokers;
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

        /// <summary>Starts a connection attempt in the background unless one runs, and waits for it at
        /// most ConnectWaitMs. False while it is still running: the core tries again after its backoff
        /// step, and that call picks up the result.</summary>
        public bool Connect(string clientId, string willTopic, byte[] willPayload)
        {
            if (!_connector.InProgress)
            {
                Drop();
                lock (_sync)
                {
                    _closingByUs = false;
                    _clientId = clientId;
                    _willTopic = willTopic;
                    _host = _brokers.BrokerHost(_nextBroker);
                    _port = _brokers.BrokerPort(_nextBroker);
                    _nextBroker = (_nextBroker + 1) % _brokers.BrokerCount;
                    // M2Mqtt takes the will as a string; the core's payloads are ASCII (docs/protocol.md).
                    _will = Ascii(willPayload);
                }
            }
            int state = _connector.Step(ConnectNow, ConnectWaitMs);
            if (state == ConnectAttempt.Failed && _connector.LastError != null)
            {
                BoardLog.Line("mqtt connect: " + _connector.LastError);
            }
            return state == ConnectAttempt.Succeeded && IsConnected;
        }

        public void Disconnect()
        {
            lock (_sync)
            {
                _closingByUs = true;
                _generation++; // a background attempt still running closes its client when it ends
            }
            _connector.Abandon();
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

        /// <summary>Any topic the core asks for (commands, confirmations): the subscription is QoS 1,
        /// so the broker delivers each message at the QoS it was published with, 0 or 1, and both
        /// arrive through OnReceived.</summary>
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

        /// <summary>The blocking part, on the attempt's thread. The client becomes current before
        /// CONNECT, so what the broker delivers right after CONNACK (queued commands of the persistent
        /// session) is passed on, not dropped as coming from a stranger.</summary>
        private bool ConnectNow()
        {
            int generation;
            string clientId;
            string willTopic;
            string will;
            lock (_sync)
            {
                generation = _generation;
                clientId = _clientId;
                willTopic = _willTopic;
                will = _will;
            }
            string host;
            int port;
            lock (_sync)
            {
                host = _host;
                port = _port;
            }
            MqttClient client = new MqttClient(host, port, false, null, null, MqttSslProtocols.None);
            client.ProtocolVersion = MqttProtocolVersion.Version_3_1_1;
            client.Settings.InflightQueueSize = _inflightCap;
            client.MqttMsgPublished += OnPublished;
            client.MqttMsgPublishReceived += OnReceived;
            client.ConnectionClosed += OnClosed;
            lock (_sync)
            {
                if (generation != _generation)
                {
                    Close(client);
                    return false;
                }
                _client = client;
            }
            bool ok = false;
            try
            {
                MqttReasonCode code = client.Connect(clientId, _user, _password,
                    true, MqttQoSLevel.AtLeastOnce, true, willTopic, will, false, KeepAliveS);
                ok = code == MqttReasonCode.Success;
                if (!ok)
                {
                    BoardLog.Line("mqtt connect: refused, " + ((int)code).ToString());
                }
            }
            finally
            {
                if (!ok)
                {
                    Forget(client);
                }
            }
            return ok;
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
                // Not closed here, on M2Mqtt's own thread: the next Connect drops the client.
                listener.OnConnectionLost();
            }
        }

        /// <summary>Every topic, QoS 0 and 1 alike. M2Mqtt has already taken a QoS 1 message (it
        /// sends the PUBACK itself), so the listener's "no room" answer cannot hold it back; the
        /// queue's command headroom and the core's inbox (TransportQueue) keep that from happening.</summary>
        private void OnReceived(object sender, MqttMsgPublishEventArgs e)
        {
            ITransportListener listener = _listener;
            if (listener != null && sender == _client)
            {
                byte[] message = e.Message != null ? e.Message : new byte[0];
                listener.OnMessage(e.Topic, message, message.Length);
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
            if (client != null)
            {
                Close(client);
            }
        }

        /// <summary>Drops <paramref name="client"/> if it is still the current one, and closes it.</summary>
        private void Forget(MqttClient client)
        {
            lock (_sync)
            {
                if (_client == client)
                {
                    _client = null;
                }
            }
            Close(client);
        }

        /// <summary>DISCONNECT when possible, then Close() in any case: Disconnect throws on a dead
        /// socket, and only Close() ends M2Mqtt's receive and keep-alive threads and frees the socket.</summary>
        private static void Close(MqttClient client)
        {
            try
            {
                if (client.IsConnected)
                {
                    client.Disconnect();
                }
            }
            catch (Exception)
            {
                // The link is already dead: nothing to tell the broker.
            }
            try
            {
                client.Close();
            }
            catch (Exception)
            {
                // Already closed.
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
