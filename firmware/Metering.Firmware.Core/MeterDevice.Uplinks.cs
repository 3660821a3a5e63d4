using System;
using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware
{
    /// <summary>Readings, bookings and events: built as outbox records, stamped with seq and ts,
    /// persisted, then published by the session. Nothing is stamped before the clock is set
    /// (README: "Before the clock is set").</summary>
    public sealed partial class MeterDevice
    {
        private readonly byte[] _record = new byte[OutboxRecord.MaxBytes];
        private readonly byte[] _thinnedRecord = new byte[OutboxRecord.ThinnedEventBytes];
        private readonly long[] _lastReadingRegister = new long[Limits.MaxChannels];
        private bool _readPending;

        private readonly HeldUplinks _held = new HeldUplinks();

        private readonly ThinnedReport _thinned = new ThinnedReport();

        /// <summary>Queues a reading of every channel now (or as soon as the clock is set).</summary>
        public void ReadNow()
        {
            lock (_sync)
            {
                RequireStarted();
                long unix = _clock.UnixMs;
                if (unix == 0)
                {
                    _readPending = true;
                    return;
                }
                TakeReading(unix);
            }
        }

        /// <summary>Books a weighed load: adds <paramref name="grams"/> to the channel and queues a
        /// reading of that channel carrying <paramref name="permit"/>.</summary>
        public void BookLoad(AccumulatorChannel channel, long grams, string permit)
        {
            if (channel == null)
            {
                throw new ArgumentNullException("channel");
            }
            if (grams <= 0)
            {
                throw new ArgumentOutOfRangeException("grams");
            }
            if (!Ascii.IsToken(permit))
            {
                throw new ArgumentException("permits match ^[A-Za-z0-9_-]{1,32}$", "permit");
            }
            lock (_sync)
            {
                RequireStarted();
                int c = IndexOfChannel(channel.State);
                if (c < 0)
                {
                    throw new ArgumentException("not a channel of this device", "channel");
                }
                if (_clock.UnixMs == 0 && _held.IsFull)
                {
                    throw new InvalidOperationException("clock not set and the held uplinks are full");
                }
                DeviceChannelState state = _channels[c];
                state.Register += grams;
                OutboxRecord.BeginReading(_record, 1, false);
                OutboxRecord.SetChannel(_record, 0, state.Hash, state.Register);
                _lastReadingRegister[c] = state.Register;
                Emit(_record, OutboxRecord.EndReading(_record, permit), FlashOutbox.FlagReading, _clock.UptimeMs);
            }
        }

        /// <summary>Queues an event (docs/protocol.md, event): <paramref name="kind"/> is leak,
        /// burst, overcurrent, tamper, storage_fault...; channel and detail may be null.</summary>
        public void RaiseEvent(string kind, string channel, string detail)
        {
            int code = Words.IndexOf(Words.EventKinds, kind);
            if (code <= 0)
            {
                throw new ArgumentException("unknown event kind (docs/protocol.md)", "kind");
            }
            if (channel != null && !Ascii.IsChannelName(channel))
            {
                throw new ArgumentException("channel names match ^[a-z0-9][a-z0-9_]{0,31}$", "channel");
            }
            if (detail != null && !Ascii.IsPlainText(detail, Limits.MaxDetailLength))
            {
                throw new ArgumentException("detail: at most 64 printable ASCII characters, no quotes", "detail");
            }
            lock (_sync)
            {
                RequireStarted();
                if (_clock.UnixMs == 0 && _held.IsFull)
                {
                    throw new InvalidOperationException("clock not set and the held uplinks are full");
                }
                Emit(_record, OutboxRecord.Event(_record, (byte)code, channel, detail, false, 0), 0, _clock.UptimeMs);
            }
        }

        /// <summary>Periodic work under the lock: held uplinks once the clock is set, the reading
        /// cadence, the throttled totals write.</summary>
        private void Housekeeping(long up, long unix)
        {
            RequireStarted();
            if (unix != 0)
            {
                for (int i = 0; i < _held.Count; i++)
                {
                    // Stamped with the time they happened, reconstructed from uptime.
                    Enqueue(_held.RecordAt(i), _held.LengthAt(i), _held.FlagsAt(i), unix - (up - _held.UptimeMsAt(i)));
                }
                _held.Clear();
            }
            if (up >= _nextReadingUptimeMs)
            {
                _readPending = true;
                _nextReadingUptimeMs += _readingIntervalMs;
                if (_nextReadingUptimeMs <= up)
                {
                    _nextReadingUptimeMs = up + _readingIntervalMs; // late Ticks: skip, do not burst
                }
            }
            if (_readPending && unix != 0)
            {
                TakeReading(unix);
            }
            GuardStep(up, unix);
            if (up - _lastPersistUptimeMs >= _persistIntervalMs && TotalsChanged())
            {
                Persist(_seq.ReservedThrough);
            }
        }

        /// <summary>A reading of every channel. When a register went down (meter swap) the
        /// reading before and this one are pinned: thinning either would lose usage.</summary>
        private void TakeReading(long unix)
        {
            _readPending = false;
            if (_channelCount == 0)
            {
                TakeGauges(unix); // a gauge-only node (a tank level) has no registers to read
                return;
            }
            bool pinned = false;
            for (int c = 0; c < _channelCount; c++)
            {
                if (_channels[c].Register < _lastReadingRegister[c])
                {
                    pinned = true;
                }
            }
            if (pinned)
            {
                int previous = _outbox.NewestThinnable();
                if (previous >= 0)
                {
                    _outbox.Pin(previous);
                }
            }
            OutboxRecord.BeginReading(_record, _channelCount, pinned);
            for (int c = 0; c < _channelCount; c++)
            {
                OutboxRecord.SetChannel(_record, c, _channels[c].Hash, _channels[c].Register);
                _lastReadingRegister[c] = _channels[c].Register;
            }
            byte flags = (byte)(FlashOutbox.FlagReading | FlashOutbox.FlagThinnable | (pinned ? FlashOutbox.FlagPinned : 0));
            Enqueue(_record, OutboxRecord.EndReading(_record, null), flags, unix);
            TakeGauges(unix);
        }

        /// <summary>Queues a built record now, or holds it in RAM until the clock is set (then
        /// the totals are written at once, so what it counted survives a power cut).</summary>
        private void Emit(byte[] record, int length, byte flags, long uptimeMs)
        {
            long unix = _clock.UnixMs;
            if (unix != 0)
            {
                Enqueue(record, length, flags, unix);
                return;
            }
            _held.Hold(record, length, flags, uptimeMs);
            Persist(_seq.ReservedThrough);
        }

        /// <summary>Makes room, stamps seq and ts, seals and appends a record (flash first: it is
        /// persisted before it can be published).</summary>
        private void Enqueue(byte[] record, int length, byte flags, long tsCandidateMs)
        {
            Enqueue(record, length, flags, tsCandidateMs, true);
        }

        /// <summary>As above; an unsequenced record (an ack) is stamped seq 0 and takes no number from
        /// the meter's sequence, which readings and events share (docs/protocol.md): an ack carries its
        /// command id instead, so a number it took would reach the gateway as a gap before the next
        /// reading (flagged seq_gap after every command).</summary>
        private void Enqueue(byte[] record, int length, byte flags, long tsCandidateMs, bool sequenced)
        {
            MakeRoom(length);
            long seq = sequenced ? NextSeq() : 0;
            OutboxRecord.Seal(record, length, seq, NextTs(tsCandidateMs));
            _outbox.Append(record, length, flags);
        }

        /// <summary>Room for a record and a possible outbox_thinned event: thins when the count
        /// is reached; when the active half is full, thins until the pending records fill at most
        /// half of a half (so compactions stay rare), checkpoints the totals and compacts.</summary>
        private void MakeRoom(int length)
        {
            long dropped = 0;
            int need = length + OutboxRecord.ThinnedEventBytes;
            for (int attempt = 0; ; attempt++)
            {
                bool countOk = _outbox.Count + 2 <= _outbox.Capacity;
                if (countOk && _outbox.Fits(need))
                {
                    break;
                }
                if (attempt == 64)
                {
                    throw new InvalidOperationException("outbox cannot make room");
                }
                if (!countOk)
                {
                    dropped += ThinOnce();
                    continue;
                }
                int budget = _outbox.UsableBytes / 2 - need;
                while (_outbox.PendingBytes > budget)
                {
                    long d = ThinOnce();
                    if (d == 0)
                    {
                        break;
                    }
                    dropped += d;
                }
                // Compaction erases removed records, perhaps the newest reading: totals first.
                Persist(_seq.ReservedThrough);
                _outbox.Compact();
            }
            _thinned.Dropped(dropped);
            if (_thinned.HasUnreported)
            {
                AppendThinnedEvent();
            }
        }

        private long ThinOnce()
        {
            int dropped = _outbox.Thin();
            if (dropped == 0)
            {
                dropped = _outbox.ThinGauges();
            }
            if (dropped == 0 && _outbox.DropOldest())
            {
                dropped = 1;
            }
            return dropped;
        }

        /// <summary>One outbox_thinned event says how many records were dropped; an earlier one
        /// still waiting to be sent is replaced by one with the sum.</summary>
        private void AppendThinnedEvent()
        {
            int previous = _thinned.PendingSerial == 0 ? -1 : _outbox.IndexOfSerial(_thinned.PendingSerial);
            bool replaces = previous >= 0 && _outbox.MessageIdAt(previous) == 0;
            if (replaces)
            {
                _outbox.Remove(previous);
            }
            long total = _thinned.Total(replaces);
            int length = OutboxRecord.Event(_thinnedRecord, EventKind.OutboxThinned, null, "dropped ", true, total);
            OutboxRecord.Seal(_thinnedRecord, length, NextSeq(), NextTs(_clock.UnixMs));
            _thinned.Reported(_outbox.Append(_thinnedRecord, length, 0), total);
        }
    }
}
