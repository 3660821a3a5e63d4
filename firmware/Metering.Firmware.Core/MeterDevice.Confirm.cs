using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Session;

namespace Commons.Metering.Firmware
{
    /// <summary>End-to-end confirmation (docs/protocol.md, confirmation): once the gateway has
    /// confirmed anything, a reading or event leaves the outbox only when a confirmation covers its
    /// seq, never on the broker's PUBACK, so a broker that loses what it acknowledged (a power cut,
    /// kill -9) loses nothing. Until then (a gateway that never confirms) the PUBACK removes it.</summary>
    public sealed partial class MeterDevice
    {
        // The mode under _sync (persisted with the totals, record version 3); the silence count
        // owned by the Tick thread.
        private readonly ConfirmationTracker _confirmation;

        // Owned by the Tick thread.
        private bool _statusDue;

        /// <summary>True once the gateway has confirmed: records leave only on confirmation.</summary>
        public bool WaitsForConfirmation
        {
            get
            {
                lock (_sync)
                {
                    return _confirmation.ConfirmMode;
                }
            }
        }

        /// <summary>The lowest sequence number still in the outbox (a reading or event not yet
        /// confirmed, or not yet acknowledged in PUBACK mode); 0 when none is.</summary>
        public long OldestPendingSeq
        {
            get
            {
                lock (_sync)
                {
                    long oldest = 0;
                    int count = _outbox == null ? 0 : _outbox.Count;
                    for (int i = 0; i < count; i++)
                    {
                        long seq = _outbox.SeqAt(i);
                        if (seq != 0 && (oldest == 0 || seq < oldest))
                        {
                            oldest = seq;
                        }
                    }
                    return oldest;
                }
            }
        }

        /// <summary>Confirmations received since boot (docs/protocol.md: an empty one counts).</summary>
        public int Confirmations { get { return _inbox.Confirmations; } }

        /// <summary>Confirmations ignored since boot as malformed, or dropped for lack of room.</summary>
        public int RefusedConfirmations { get { return _inbox.RefusedConfirmations; } }

        /// <summary>The status's `confirm`: 2 once in confirmation mode, else 1 (understood, learning).</summary>
        private int ConfirmLevel()
        {
            lock (_sync)
            {
                return _confirmation.Level;
            }
        }

        /// <summary>Applies the confirmations the transport queued: removes every record they cover
        /// (in any state: a confirmation may overtake its PUBACK), and on the first one ever switches
        /// to confirmation mode, persists it and republishes the status.</summary>
        private void DrainConfirmations()
        {
            long first;
            long last;
            for (int n = 0; n < Limits.InboxConfirmRanges && _inbox.TakeConfirmedRange(out first, out last); n++)
            {
                lock (_sync)
                {
                    int pending = _thinned.PendingSerial;
                    if (_outbox.RemoveSeqRange(first, last) > 0 && pending != 0 && _outbox.IndexOfSerial(pending) < 0)
                    {
                        _thinned.Left(pending);
                    }
                }
            }
            if (!_confirmation.Saw(_inbox.Confirmations))
            {
                return;
            }
            lock (_sync)
            {
                if (!_confirmation.Enter())
                {
                    return;
                }
                Persist(_seq.ReservedThrough);
            }
            _statusDue = true;
        }

        /// <summary>A PUBACK for record <paramref name="i"/>: in confirmation mode a reading or event
        /// stays until confirmed; an ack (seq 0, never confirmed) and everything in PUBACK mode leaves.
        /// Caller holds _sync.</summary>
        private void OnBrokerAcknowledged(int i, long up)
        {
            if (_confirmation.ConfirmMode && _outbox.SeqAt(i) != 0)
            {
                _outbox.MarkAcked(i, up);
                return;
            }
            _thinned.Left(_outbox.SerialAt(i));
            _outbox.Remove(i);
        }

        /// <summary>Records acknowledged by the broker and not confirmed within the timeout are sent
        /// again. While the gateway stays silent the timeout doubles per round (up to
        /// 2^<see cref="Limits.MaxConfirmBackoffShift"/>), so a gateway down for hours is not
        /// flooded with resends through the broker; any confirmation resets it.</summary>
        private void ResendUnconfirmed(long up)
        {
            long timeout = _confirmation.ResendTimeoutMs;
            lock (_sync)
            {
                long oldest = _outbox.OldestAckedAt();
                if (oldest < 0 || up - oldest < timeout)
                {
                    return;
                }
                _outbox.ResendUnconfirmed(up - timeout);
            }
            _confirmation.SilentRound();
        }

        /// <summary>Records the window may hold sent and unanswered: the in-flight window in PUBACK
        /// mode, the unconfirmed window in confirmation mode. Caller holds _sync.</summary>
        private int SendWindow()
        {
            return _confirmation.SendWindow;
        }

        /// <summary>Publishes the retained online status (at connect, and again when `confirm` changed).
        /// Returns false when the transport refused it.</summary>
        private bool PublishStatus(long unix)
        {
            int depth;
            lock (_sync)
            {
                depth = _outbox.Count;
            }
            PayloadEncoder.StatusOnline(_json, _firmware, _bootCount, depth, ConfirmLevel(), unix != 0, unix);
            return _session.PublishStatus(_json.Buffer, _json.Length);
        }
    }
}
