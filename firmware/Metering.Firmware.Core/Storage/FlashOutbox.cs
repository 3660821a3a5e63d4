using System;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Storage
{
    /// <summary>The store-and-forward queue of uplinks, kept in flash (outbox.md). Records are
    /// appended to the active half of the outbox region; removal programs a flag byte in place;
    /// compaction copies the pending records to the other half and commits it by writing its
    /// header last. RAM holds only a small index of the pending records, in FIFO order.
    /// Not thread-safe: the device serialises all calls under its lock.</summary>
    internal sealed partial class FlashOutbox
    {
        /// <summary>Index flags kept in RAM.</summary>
        public const byte FlagReading = 1;
        public const byte FlagThinnable = 2;
        public const byte FlagPinned = 4;
        /// <summary>A gauge record: thinned among gauges only (FlashOutbox.Thinning.cs).</summary>
        public const byte FlagGauge = 8;

        /// <summary><see cref="MessageIdAt"/> of a record whose publish call is under way.</summary>
        public const int Sending = -1;

        /// <summary><see cref="MessageIdAt"/> of a record the broker acknowledged (PUBACK) and the
        /// gateway has not confirmed yet (docs/protocol.md, confirmation): it stays, and is sent again
        /// when its confirmation does not come in time.</summary>
        public const int Acked = int.MinValue;

        private static readonly byte[] Cleared = new byte[] { 0x00 };

        private readonly IBlockStore _store;
        private readonly int _firstBlock;
        private readonly int _blocksPerHalf;
        private readonly int _blockSize;
        private readonly byte[] _scratch = new byte[OutboxRecord.MaxBytes];

        private readonly int[] _blockOf;
        private readonly int[] _offsetOf;
        private readonly int[] _lengthOf;
        private readonly int[] _messageIdOf;
        private readonly int[] _serialOf;
        private readonly long[] _seqOf;
        private readonly long[] _ackedAtOf;
        private readonly byte[] _flagsOf;
        private int _count;
        private int _pendingBytes;
        private int _nextSerial = 1;

        public FlashOutbox(IBlockStore store, int firstBlock, int blocksPerHalf, int capacity)
        {
            _store = store;
            _firstBlock = firstBlock;
            _blocksPerHalf = blocksPerHalf;
            _blockSize = store.BlockSize;
            _blockOf = new int[capacity];
            _offsetOf = new int[capacity];
            _lengthOf = new int[capacity];
            _messageIdOf = new int[capacity];
            _serialOf = new int[capacity];
            _seqOf = new long[capacity];
            _ackedAtOf = new long[capacity];
            _flagsOf = new byte[capacity];
        }

        public int Count { get { return _count; } }

        public int Capacity { get { return _flagsOf.Length; } }

        /// <summary>Bytes of the pending records (what a compaction copies).</summary>
        public int PendingBytes { get { return _pendingBytes; } }

        /// <summary>Record bytes one half can hold.</summary>
        public int UsableBytes { get { return _blocksPerHalf * _blockSize - HeaderBytes; } }

        public byte FlagsAt(int i) { return _flagsOf[i]; }

        public int SerialAt(int i) { return _serialOf[i]; }

        public int MessageIdAt(int i) { return _messageIdOf[i]; }

        public void SetMessageId(int i, int messageId) { _messageIdOf[i] = messageId; }

        /// <summary>The record's sequence number; 0 for an ack (acks take none).</summary>
        public long SeqAt(int i) { return _seqOf[i]; }

        /// <summary>Marks record <paramref name="i"/> acknowledged by the broker at uptime
        /// <paramref name="uptimeMs"/>; it waits for the gateway's confirmation.</summary>
        public void MarkAcked(int i, long uptimeMs)
        {
            _messageIdOf[i] = Acked;
            _ackedAtOf[i] = uptimeMs;
        }

        /// <summary>Removes every record whose sequence number is in [<paramref name="first"/>,
        /// <paramref name="last"/>], whatever its state (a confirmation may overtake a PUBACK).
        /// Returns how many were removed.</summary>
        public int RemoveSeqRange(long first, long last)
        {
            int removed = 0;
            int i = 0;
            while (i < _count)
            {
                long seq = _seqOf[i];
                if (seq >= first && seq <= last && seq != 0)
                {
                    Remove(i);
                    removed++;
                    continue;
                }
                i++;
            }
            return removed;
        }

        /// <summary>Records acknowledged by the broker at or before <paramref name="ackedBeforeMs"/>
        /// and still not confirmed are sent again: they become unsent. Returns how many.</summary>
        public int ResendUnconfirmed(long ackedBeforeMs)
        {
            int n = 0;
            for (int i = 0; i < _count; i++)
            {
                if (_messageIdOf[i] == Acked && _ackedAtOf[i] <= ackedBeforeMs)
                {
                    _messageIdOf[i] = 0;
                    n++;
                }
            }
            return n;
        }

        /// <summary>The oldest uptime at which a record still waiting for its confirmation was
        /// acknowledged by the broker, or -1 when none waits.</summary>
        public long OldestAckedAt()
        {
            long oldest = -1;
            for (int i = 0; i < _count; i++)
            {
                if (_messageIdOf[i] == Acked && (oldest < 0 || _ackedAtOf[i] < oldest))
                {
                    oldest = _ackedAtOf[i];
                }
            }
            return oldest;
        }

        /// <summary>Appends a sealed record; the caller has made room (<see cref="Fits"/>, Count).
        /// Returns the record's serial, its identity in RAM while it is pending.</summary>
        public int Append(byte[] record, int length, byte flags)
        {
            if (_count >= Capacity || !Fits(length))
            {
                throw new InvalidOperationException("outbox full");
            }
            if (_writeOffset + length > _blockSize)
            {
                _writeBlock++;
                _writeOffset = 0;
            }
            int block = BlockOf(_activeHalf, _writeBlock);
            _store.Write(block, _writeOffset, record, 0, length);
            int serial = AddIndex(block, _writeOffset, length, flags, OutboxRecord.Seq(record));
            _writeOffset += length;
            return serial;
        }

        /// <summary>Removes record <paramref name="i"/>: programs its removed flag, then drops it from RAM.</summary>
        public void Remove(int i)
        {
            _store.Write(_blockOf[i], _offsetOf[i] + OutboxRecord.RemovedAt, Cleared, 0, 1);
            _pendingBytes -= _lengthOf[i];
            for (int k = i + 1; k < _count; k++)
            {
                _blockOf[k - 1] = _blockOf[k];
                _offsetOf[k - 1] = _offsetOf[k];
                _lengthOf[k - 1] = _lengthOf[k];
                _messageIdOf[k - 1] = _messageIdOf[k];
                _serialOf[k - 1] = _serialOf[k];
                _seqOf[k - 1] = _seqOf[k];
                _ackedAtOf[k - 1] = _ackedAtOf[k];
                _flagsOf[k - 1] = _flagsOf[k];
            }
            _count--;
        }

        /// <summary>Pins record <paramref name="i"/> (thinning must keep it), in flash and in RAM.</summary>
        public void Pin(int i)
        {
            if ((_flagsOf[i] & FlagPinned) == 0)
            {
                _store.Write(_blockOf[i], _offsetOf[i] + OutboxRecord.PinnedAt, Cleared, 0, 1);
                _flagsOf[i] |= FlagPinned;
            }
        }

        /// <summary>Reads record <paramref name="i"/> into <paramref name="into"/>; returns its
        /// length, or -1 when flash no longer holds it intact.</summary>
        public int Read(int i, byte[] into)
        {
            int length;
            int result = FlashRecords.Read(_store, _blockOf[i], _offsetOf[i], into, OutboxRecord.Magic,
                OutboxRecord.MinLength, OutboxRecord.RemovedAt, OutboxRecord.FlagCount, out length);
            return result == FlashRecords.Valid && OutboxRecord.BodyFits(into, length) ? length : -1;
        }

        public int IndexOfSerial(int serial)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_serialOf[i] == serial)
                {
                    return i;
                }
            }
            return -1;
        }

        public int IndexOfMessageId(int messageId)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_messageIdOf[i] == messageId)
                {
                    return i;
                }
            }
            return -1;
        }

        /// <summary>The first record of the window (the oldest <paramref name="window"/> records) that
        /// has not been sent, or -1.</summary>
        public int FirstUnsent(int window)
        {
            int end = _count < window ? _count : window;
            for (int i = 0; i < end; i++)
            {
                if (_messageIdOf[i] == 0)
                {
                    return i;
                }
            }
            return -1;
        }

        /// <summary>Records published whose PUBACK has not come yet (in flight on the wire).</summary>
        public int InFlight()
        {
            int n = 0;
            for (int i = 0; i < _count; i++)
            {
                int id = _messageIdOf[i];
                if (id != 0 && id != Acked)
                {
                    n++;
                }
            }
            return n;
        }

        /// <summary>After a connection loss nothing is in flight, and nothing waits for a confirmation
        /// any more: every record will be sent again (the broker may have lost what it held).</summary>
        public void ClearInFlight()
        {
            for (int i = 0; i < _count; i++)
            {
                _messageIdOf[i] = 0;
            }
        }

        /// <summary>Index of the newest reading that thinning may drop, or -1.</summary>
        public int NewestThinnable()
        {
            for (int i = _count - 1; i >= 0; i--)
            {
                if ((_flagsOf[i] & FlagThinnable) != 0)
                {
                    return i;
                }
            }
            return -1;
        }

        private int AddIndex(int block, int offset, int length, byte flags, long seq)
        {
            _seqOf[_count] = seq;
            _ackedAtOf[_count] = 0;
            _blockOf[_count] = block;
            _offsetOf[_count] = offset;
            _lengthOf[_count] = length;
            _messageIdOf[_count] = 0;
            _serialOf[_count] = _nextSerial;
            _flagsOf[_count] = flags;
            _count++;
            _pendingBytes += length;
            _nextSerial = _nextSerial == int.MaxValue ? 1 : _nextSerial + 1;
            return _serialOf[_count - 1];
        }
    }
}
