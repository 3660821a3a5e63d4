namespace Commons.Metering.Firmware.Storage
{
    /// <summary>The flash window (outbox.md, "The flash window"): confirmed records stay in flash after
    /// they left the queue, so a gateway restored from a backup can ask for them again (docs/protocol.md,
    /// refill). A removed record keeps its bytes until its half is erased; a compaction copies the newest
    /// removed records after the pending ones while the half stays at most a quarter full, so the window
    /// survives compactions too.</summary>
    internal sealed partial class FlashOutbox
    {
        /// <summary>Share of a half a compaction may fill (pending and window together): a quarter keeps
        /// three quarters of a half for appends, so an online device compacts at most 4/3 as often as
        /// without a window (FlashWearTests), and a full outbox (offline, pending near half a half)
        /// keeps no window and compacts as before.</summary>
        private const int WindowShareDivisor = 4;

        private const byte Erased = 0xFF;

        /// <summary>Records at or below this seq are not kept by a compaction's window: while a refill
        /// runs they are already pending again (MeterDevice.Refill.cs). 0 otherwise.</summary>
        public long WindowFloorSeq;

        /// <summary>Bytes free for appends in the active half.</summary>
        public int FreeBytes { get { return UsableBytes - (_writeBlock * _blockSize + _writeOffset - HeaderBytes); } }

        /// <summary>Bytes of the window records above <paramref name="afterSeq"/> that are not pending:
        /// what a refill from there appends again.</summary>
        public int WindowBytesAbove(long afterSeq)
        {
            int total = 0;
            int cursor = 0;
            int length;
            int kind;
            while (NextRemoved(_activeHalf, ref cursor, out length, out kind))
            {
                long seq = OutboxRecord.Seq(_scratch);
                if (seq > afterSeq && !IsPendingSeq(seq))
                {
                    total += length;
                }
            }
            return total;
        }

        /// <summary>Copies the newest removed records of the old half (acks excepted: they carry no seq)
        /// after the pending ones in the target half, as long as the target stays within
        /// <see cref="WindowShareDivisor"/>. Called by <see cref="Compact"/> before the header commit.</summary>
        private void CopyWindow(int target, ref int block, ref int offset)
        {
            int limit = UsableBytes / WindowShareDivisor;
            int used = block * _blockSize + offset - HeaderBytes;
            if (used >= limit)
            {
                return;
            }
            int total = 0;
            int cursor = 0;
            int length;
            int kind;
            while (NextRemoved(_activeHalf, ref cursor, out length, out kind))
            {
                if (OutboxRecord.Seq(_scratch) > WindowFloorSeq)
                {
                    total += length;
                }
            }
            // Skip the oldest so the newest fit, with room for the bytes lost at block ends.
            int allowed = limit - used;
            int slack = (allowed / _blockSize + 1) * OutboxRecord.MaxBytes;
            int skip = total - allowed + slack;
            cursor = 0;
            while (NextRemoved(_activeHalf, ref cursor, out length, out kind))
            {
                if (OutboxRecord.Seq(_scratch) <= WindowFloorSeq)
                {
                    continue;
                }
                if (skip > 0)
                {
                    skip -= length;
                    continue;
                }
                int b = block;
                int o = offset;
                if (o + length > _blockSize)
                {
                    b++;
                    o = 0;
                }
                if (b >= _blocksPerHalf || b * _blockSize + o + length - HeaderBytes > limit)
                {
                    return;
                }
                _store.Write(BlockOf(target, b), o, _scratch, 0, length);
                block = b;
                offset = o + length;
            }
        }

        /// <summary>The next intact removed record with a seq of <paramref name="half"/> after position
        /// <paramref name="cursor"/> (block * block size + offset; 0 = the start), read into _scratch.</summary>
        private bool NextRemoved(int half, ref int cursor, out int length, out int kind)
        {
            length = 0;
            kind = 0;
            int b = cursor / _blockSize;
            int offset = cursor % _blockSize;
            if (b == 0 && offset < HeaderBytes)
            {
                offset = HeaderBytes;
            }
            while (b < _blocksPerHalf)
            {
                int result = FlashRecords.Read(_store, BlockOf(half, b), offset, _scratch, OutboxRecord.Magic,
                    OutboxRecord.MinLength, OutboxRecord.RemovedAt, OutboxRecord.FlagCount, out length);
                if (result != FlashRecords.Valid || !OutboxRecord.BodyFits(_scratch, length))
                {
                    b++;
                    offset = 0;
                    continue;
                }
                offset += length;
                kind = OutboxRecord.Kind(_scratch);
                if (OutboxRecord.IsRemoved(_scratch) && OutboxRecord.Seq(_scratch) > 0)
                {
                    cursor = b * _blockSize + offset;
                    return true;
                }
            }
            cursor = _blocksPerHalf * _blockSize;
            return false;
        }

        /// <summary>The removed record of the active half with the smallest seq above
        /// <paramref name="afterSeq"/> that is not pending again, copied into <paramref name="into"/> as a
        /// pending record (removed flag erased; the CRC does not cover the flags). Returns its length, or
        /// 0 when the window holds nothing more; <paramref name="flags"/> are its index flags.</summary>
        public int NextWindowRecord(long afterSeq, byte[] into, out byte flags)
        {
            flags = 0;
            long best = 0;
            int bestCursor = -1;
            int bestLength = 0;
            int cursor = 0;
            int length;
            int kind;
            while (NextRemoved(_activeHalf, ref cursor, out length, out kind))
            {
                long seq = OutboxRecord.Seq(_scratch);
                if (seq > afterSeq && (best == 0 || seq < best) && !IsPendingSeq(seq))
                {
                    best = seq;
                    bestCursor = cursor - length;
                    bestLength = length;
                }
            }
            if (bestCursor < 0)
            {
                return 0;
            }
            _store.Read(BlockOf(_activeHalf, bestCursor / _blockSize), bestCursor % _blockSize, into, 0, bestLength);
            into[OutboxRecord.RemovedAt] = Erased;
            flags = IndexFlags(into);
            return bestLength;
        }

        private bool IsPendingSeq(long seq)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_seqOf[i] == seq)
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>The RAM flags of a record as recovery sets them.</summary>
        private static byte IndexFlags(byte[] record)
        {
            byte flags = 0;
            int kind = OutboxRecord.Kind(record);
            if (kind == OutboxRecord.KindReading)
            {
                flags = FlagReading;
                if (!OutboxRecord.HasPermit(record))
                {
                    flags |= FlagThinnable;
                }
            }
            else if (kind == OutboxRecord.KindGauge)
            {
                flags = FlagGauge;
            }
            if (OutboxRecord.IsPinned(record))
            {
                flags |= FlagPinned;
            }
            return flags;
        }
    }
}
