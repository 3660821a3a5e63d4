using System;
using Commons.Metering.Firmware.Platform;
using Commons.Metering.Firmware.Protocol;

namespace Commons.Metering.Firmware.Session
{
    /// <summary>The device's MQTT session over an <see cref="IMqttTransport"/> (README: "Session"):
    /// connect with the meter id as client id and the retained offline will, subscribe to commands
    /// and confirmations, and after a loss wait a jittered exponential backoff
    /// (<see cref="ReconnectBackoff"/>) before the next attempt, since M2Mqtt does not reconnect by
    /// itself. What is published, and when, is the device's: it publishes the online status between
    /// <see cref="Open"/> and <see cref="Established"/>. Owned by the Tick thread; no lock is held
    /// while it calls the transport.</summary>
    internal sealed class MqttSession
    {
        /// <summary>The attempt counter stops here: the backoff ceiling reached its cap long before.</summary>
        private const int MaxAttempt = 30;

        private readonly IMqttTransport _transport;
        private readonly string _clientId;
        private readonly string _statusTopic;
        private readonly string _commandTopic;
        private readonly string _confirmTopic;
        private readonly byte[] _willPayload;
        private readonly ReconnectBackoff _backoff;

        private bool _connected;
        private int _attempt;
        private long _nextAttemptUptimeMs;

        public MqttSession(IMqttTransport transport, string clientId, DeviceTopics topics, ReconnectBackoff backoff)
        {
            _transport = transport;
            _clientId = clientId;
            _statusTopic = topics.Status;
            _commandTopic = topics.Command;
            _confirmTopic = topics.Confirm;
            _backoff = backoff;

            JsonWriter will = new JsonWriter(64);
            PayloadEncoder.StatusOffline(will);
            _willPayload = new byte[will.Length];
            Array.Copy(will.Buffer, _willPayload, will.Length);
        }

        /// <summary>True from <see cref="Established"/> until <see cref="Drop"/>: the session believes it is up.</summary>
        public bool Connected { get { return _connected; } }

        /// <summary>The session is up and the transport still says so.</summary>
        public bool IsUp { get { return _connected && _transport.IsConnected; } }

        /// <summary>The transport lost the connection while the session still believed it was up.</summary>
        public bool TransportLost { get { return _connected && !_transport.IsConnected; } }

        /// <summary>Uptime of the next permitted connection attempt.</summary>
        public long NextAttemptUptimeMs { get { return _nextAttemptUptimeMs; } }

        /// <summary>Sends the transport's callbacks to <paramref name="listener"/>.</summary>
        public void Listen(ITransportListener listener)
        {
            _transport.SetListener(listener);
        }

        /// <summary>Connects and subscribes, once the backoff allows. False (the next attempt
        /// scheduled, a half-open connection closed) when it did not succeed.</summary>
        public bool Open(long up)
        {
            if (up < _nextAttemptUptimeMs)
            {
                return false;
            }
            if (!_transport.Connect(_clientId, _statusTopic, _willPayload))
            {
                ScheduleAttempt(up);
                return false;
            }
            if (!_transport.Subscribe(_commandTopic) || !_transport.Subscribe(_confirmTopic))
            {
                Abort(up);
                return false;
            }
            return true;
        }

        /// <summary>After <see cref="Open"/>: the device's first publish failed; close and retry later.</summary>
        public void Abort(long up)
        {
            _transport.Disconnect();
            ScheduleAttempt(up);
        }

        /// <summary>After <see cref="Open"/> and the status: the session is up and the backoff starts over.</summary>
        public void Established()
        {
            _connected = true;
            _attempt = 0;
        }

        /// <summary>QoS 1 publish; the message id (&gt; 0), or &lt;= 0 when the transport refused it.</summary>
        public int Publish(string topic, byte[] payload, int count)
        {
            return _transport.Publish(topic, payload, count, false);
        }

        /// <summary>The retained status (online, with its confirm level).</summary>
        public bool PublishStatus(byte[] payload, int count)
        {
            return _transport.Publish(_statusTopic, payload, count, true) > 0;
        }

        /// <summary>The session is gone; the next attempt waits the first backoff step.</summary>
        public void Drop(long up, bool disconnect)
        {
            _connected = false;
            if (disconnect)
            {
                _transport.Disconnect();
            }
            _attempt = 0;
            ScheduleAttempt(up);
        }

        private void ScheduleAttempt(long up)
        {
            _nextAttemptUptimeMs = up + _backoff.DelayMs(_attempt);
            if (_attempt < MaxAttempt)
            {
                _attempt++;
            }
        }
    }
}
