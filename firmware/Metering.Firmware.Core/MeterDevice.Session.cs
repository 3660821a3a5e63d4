using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Session;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware
{
    /// <summary>The MQTT session (README: "Session"): connect with the retained offline will,
    /// subscribe to commands and confirmations, publish the retained online status, then publish
    /// the outbox in order at QoS 1 within a small in-flight window; a record leaves the outbox on
    /// its confirmation (MeterDevice.Confirm.cs), or on its PUBACK while the gateway has never
    /// confirmed. After a loss, everything unconfirmed is sent again after a jittered exponential
    /// backoff.
    /// Transport calls are made without holding any lock.</summary>
    public sealed partial class MeterDevice
    {
        private readonly DeviceTopics _topics;
        private readonly MqttSession _session;
        private readonly TransportInbox _inbox;

        // Owned by the Tick thread.
        private readonly JsonWriter _json = new JsonWriter(Limits.MaxPayloadBytes);
        private readonly byte[] _publishRecord = new byte[OutboxRecord.MaxBytes];

        /// <summary>Drives the device: takes a reading every ReadingIntervalMs (by uptime), writes
        /// the totals when they changed and PersistIntervalMs has passed, processes PUBACKs,
        /// connection losses and commands, (re)connects and publishes. Call often, from one thread.</summary>
        public void Tick()
        {
            long up = _clock.UptimeMs;
            long unix = _clock.UnixMs;
            lock (_sync)
            {
                Housekeeping(up, unix);
            }
            DrainTransportEvents(up);
            DrainConfirmations();
            ResendUnconfirmed(up);
            if (unix != 0)
            {
                ProcessCommands(unix);
                RefillStep(unix);
            }
            DriveOutputs();
            bool missedEvents = _inbox.TakeOverflow();
            if (_session.Connected && (missedEvents || _session.TransportLost))
            {
                Drop(up, true);
            }
            if (!_session.Connected && !TryConnect(up, unix))
            {
                return;
            }
            if (_statusDue)
            {
                _statusDue = false;
                if (!PublishStatus(unix))
                {
                    Drop(up, true);
                    return;
                }
            }
            PublishWindow(up);
        }

        private void DrainTransportEvents(long up)
        {
            int kind;
            int messageId;
            // Bounded: a callback storm cannot keep the Tick thread here.
            for (int n = 0; n < _inbox.EventCapacity && _inbox.TakeEvent(out kind, out messageId); n++)
            {
                if (kind == TransportInbox.EventLost)
                {
                    if (_session.Connected)
                    {
                        Drop(up, false);
                    }
                    continue;
                }
                lock (_sync)
                {
                    int i = messageId > 0 ? _outbox.IndexOfMessageId(messageId) : -1;
                    if (i >= 0)
                    {
                        OnBrokerAcknowledged(i, up);
                    }
                }
            }
        }

        /// <summary>Connects and subscribes (when the backoff allows), then publishes the online status.</summary>
        private bool TryConnect(long up, long unix)
        {
            if (!_session.Open(up))
            {
                return false;
            }
            if (!PublishStatus(unix))
            {
                _session.Abort(up);
                return false;
            }
            _session.Established();
            return true;
        }

        /// <summary>Publishes the unsent records of the window, oldest first, while fewer than
        /// MaxInflight wait for their PUBACK.</summary>
        private void PublishWindow(long up)
        {
            for (int sent = 0; sent < _maxInflight; sent++)
            {
                int serial;
                string topic = null;
                lock (_sync)
                {
                    if (_confirmation.ConfirmMode && _outbox.InFlight() >= _maxInflight)
                    {
                        return;
                    }
                    int window = SendWindow();
                    int i = _outbox.FirstUnsent(window);
                    while (i >= 0 && (topic = Render(i)) == null)
                    {
                        _outbox.Remove(i); // no longer intact in flash, or no channel left to name
                        i = _outbox.FirstUnsent(window);
                    }
                    if (i < 0)
                    {
                        return;
                    }
                    serial = _outbox.SerialAt(i);
                    _outbox.SetMessageId(i, FlashOutbox.Sending);
                }
                int messageId = _session.Publish(topic, _json.Buffer, _json.Length);
                lock (_sync)
                {
                    int i = _outbox.IndexOfSerial(serial);
                    if (i >= 0)
                    {
                        _outbox.SetMessageId(i, messageId > 0 ? messageId : 0);
                    }
                }
                if (messageId <= 0)
                {
                    Drop(up, true);
                    return;
                }
            }
        }

        /// <summary>Renders outbox record <paramref name="i"/> to JSON in <see cref="_json"/>;
        /// returns its topic, or null when it cannot be rendered.</summary>
        private string Render(int i)
        {
            byte[] r = _publishRecord;
            if (_outbox.Read(i, r) < 0)
            {
                return null;
            }
            long seq = OutboxRecord.Seq(r);
            long ts = OutboxRecord.Ts(r);
            byte kind = OutboxRecord.Kind(r);
            int body = OutboxRecord.BodyAt;
            if (kind == OutboxRecord.KindEvent)
            {
                int detailAt = body + 2 + r[body + 1];
                PayloadEncoder.Event(_json, seq, ts, r[body], r, body + 2, r[body + 1], r, detailAt + 1, r[detailAt]);
                return _topics.Event;
            }
            if (kind == OutboxRecord.KindGauge)
            {
                return RenderGauge(r, seq, ts);
            }
            if (kind == OutboxRecord.KindAck)
            {
                PayloadEncoder.Ack(_json, r, body + 2, r[body + 1], r[body], ts);
                return _topics.Ack;
            }
            PayloadEncoder.BeginReading(_json, seq, ts);
            int written = 0;
            int channels = OutboxRecord.ChannelCount(r);
            for (int k = 0; k < channels; k++)
            {
                int c = IndexOfHash(OutboxRecord.ChannelHash(r, k));
                if (c >= 0)
                {
                    PayloadEncoder.Channel(_json, written++, _channels[c].NameBytes, _channels[c].UnitBytes,
                        OutboxRecord.ChannelRegister(r, k));
                }
            }
            if (written == 0)
            {
                return null;
            }
            int permitAt = OutboxRecord.PermitAt(r);
            PayloadEncoder.EndReading(_json, r, permitAt + 1, OutboxRecord.HasPermit(r) ? r[permitAt] : 0);
            return _topics.Reading;
        }

        /// <summary>The session is gone: nothing is in flight any more (all of it will be sent
        /// again), and the next attempt waits the first backoff step.</summary>
        private void Drop(long up, bool disconnect)
        {
            _session.Drop(up, disconnect);
            lock (_sync)
            {
                _outbox.ClearInFlight();
            }
        }
    }
}
