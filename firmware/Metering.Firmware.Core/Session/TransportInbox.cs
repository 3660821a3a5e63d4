using System;
using Commons.Metering.Firmware.Platform;
using Commons.Metering.Firmware.Protocol;

namespace Commons.Metering.Firmware.Session
{
    /// <summary>Receives the transport's callbacks, on any thread, and queues them for the next
    /// Tick. A callback only takes this inbox's own short lock and never the device lock, and the
    /// device never calls the transport while holding this lock: no lock-order deadlock is
    /// possible, and a slow flash write never stalls the MQTT receive thread. Allocation-free.</summary>
    internal sealed class TransportInbox : ITransportListener
    {
        public const int EventAck = 1;
        public const int EventLost = 2;

        private readonly object _lock = new object();
        private readonly string _commandTopic;
        private readonly string _confirmTopic;

        // Confirmations (docs/protocol.md, confirmation), parsed on the transport's thread under _lock.
        private readonly ConfirmParser _confirmParser = new ConfirmParser();
        private readonly long[] _confirmFirst = new long[Limits.InboxConfirmRanges];
        private readonly long[] _confirmLast = new long[Limits.InboxConfirmRanges];
        private int _confirmHead;
        private int _confirmCount;
        private int _confirmations;
        private int _refusedConfirmations;
        private int _droppedConfirmRanges;

        private readonly int[] _eventKind;
        private readonly int[] _eventId;
        private int _eventHead;
        private int _eventCount;
        private bool _overflow;

        private readonly byte[][] _messages;
        private readonly int[] _messageLength;
        private int _messageHead;
        private int _messageCount;
        private int _droppedMessages;
        private int _refusedMessages;

        public TransportInbox(string commandTopic, string confirmTopic, int eventCapacity)
        {
            _commandTopic = commandTopic;
            _confirmTopic = confirmTopic;
            _eventKind = new int[eventCapacity];
            _eventId = new int[eventCapacity];
            _messages = new byte[Limits.InboxMessages][];
            _messageLength = new int[Limits.InboxMessages];
            for (int i = 0; i < _messages.Length; i++)
            {
                _messages[i] = new byte[Limits.MaxPayloadBytes];
            }
        }

        public int EventCapacity { get { return _eventKind.Length; } }

        /// <summary>Commands dropped because they were oversized (an acknowledged message: the broker
        /// will not send it again, and it would not fit again).</summary>
        public int DroppedMessages
        {
            get
            {
                lock (_lock)
                {
                    return _droppedMessages;
                }
            }
        }

        /// <summary>Commands turned away because <see cref="Limits.InboxMessages"/> were already waiting for
        /// the next Tick. OnMessage returned false for each: a transport that can leaves it unacknowledged
        /// and the broker delivers it again; otherwise the gateway's resend brings it back.</summary>
        public int RefusedMessages
        {
            get
            {
                lock (_lock)
                {
                    return _refusedMessages;
                }
            }
        }

        public void OnPublished(int messageId)
        {
            Push(EventAck, messageId);
        }

        public void OnConnectionLost()
        {
            Push(EventLost, 0);
        }

        /// <summary>Valid confirmations received since boot (an empty one counts: it says the gateway
        /// confirms).</summary>
        public int Confirmations
        {
            get
            {
                lock (_lock)
                {
                    return _confirmations;
                }
            }
        }

        /// <summary>Confirmations refused as malformed since boot (ignored: unconfirmed records are
        /// sent again), and confirmed ranges dropped because the Tick had not taken the earlier ones.</summary>
        public int RefusedConfirmations
        {
            get
            {
                lock (_lock)
                {
                    return _refusedConfirmations + _droppedConfirmRanges;
                }
            }
        }

        public bool OnMessage(string topic, byte[] payload, int count)
        {
            if (topic == _confirmTopic)
            {
                OnConfirmation(payload, count);
                return true;
            }
            if (topic != _commandTopic)
            {
                return true;
            }
            lock (_lock)
            {
                if (count > Limits.MaxPayloadBytes || count < 0)
                {
                    _droppedMessages++;
                    return true;
                }
                if (_messageCount == _messages.Length)
                {
                    _refusedMessages++;
                    return false;
                }
                int slot = (_messageHead + _messageCount) % _messages.Length;
                Array.Copy(payload, 0, _messages[slot], 0, count);
                _messageLength[slot] = count;
                _messageCount++;
                return true;
            }
        }

        private void OnConfirmation(byte[] payload, int count)
        {
            lock (_lock)
            {
                if (count < 0 || _confirmParser.Parse(payload, count) != AckReason.None)
                {
                    _refusedConfirmations++;
                    return;
                }
                _confirmations++;
                for (int r = 0; r < _confirmParser.RangeCount; r++)
                {
                    if (_confirmCount == _confirmFirst.Length)
                    {
                        _droppedConfirmRanges++;
                        continue;
                    }
                    int slot = (_confirmHead + _confirmCount) % _confirmFirst.Length;
                    _confirmFirst[slot] = _confirmParser.First(r);
                    _confirmLast[slot] = _confirmParser.Last(r);
                    _confirmCount++;
                }
            }
        }

        /// <summary>Takes the oldest confirmed range; false when there is none.</summary>
        public bool TakeConfirmedRange(out long first, out long last)
        {
            lock (_lock)
            {
                if (_confirmCount == 0)
                {
                    first = 0;
                    last = 0;
                    return false;
                }
                first = _confirmFirst[_confirmHead];
                last = _confirmLast[_confirmHead];
                _confirmHead = (_confirmHead + 1) % _confirmFirst.Length;
                _confirmCount--;
                return true;
            }
        }

        /// <summary>Takes the oldest queued event; false when there is none.</summary>
        public bool TakeEvent(out int kind, out int messageId)
        {
            lock (_lock)
            {
                if (_eventCount == 0)
                {
                    kind = 0;
                    messageId = 0;
                    return false;
                }
                kind = _eventKind[_eventHead];
                messageId = _eventId[_eventHead];
                _eventHead = (_eventHead + 1) % _eventKind.Length;
                _eventCount--;
                return true;
            }
        }

        /// <summary>True once after events were lost to a full queue (the session then reconnects,
        /// so nothing waits forever for an acknowledgement it missed).</summary>
        public bool TakeOverflow()
        {
            lock (_lock)
            {
                bool overflow = _overflow;
                _overflow = false;
                return overflow;
            }
        }

        /// <summary>Copies the oldest queued command into <paramref name="into"/>; returns its length or -1.</summary>
        public int TakeMessage(byte[] into)
        {
            lock (_lock)
            {
                if (_messageCount == 0)
                {
                    return -1;
                }
                int length = _messageLength[_messageHead];
                Array.Copy(_messages[_messageHead], 0, into, 0, length);
                _messageHead = (_messageHead + 1) % _messages.Length;
                _messageCount--;
                return length;
            }
        }

        private void Push(int kind, int messageId)
        {
            lock (_lock)
            {
                if (_eventCount == _eventKind.Length)
                {
                    _overflow = true;
                    return;
                }
                int slot = (_eventHead + _eventCount) % _eventKind.Length;
                _eventKind[slot] = kind;
                _eventId[slot] = messageId;
                _eventCount++;
            }
        }
    }
}
