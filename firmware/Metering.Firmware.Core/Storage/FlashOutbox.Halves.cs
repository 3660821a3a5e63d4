using System;

namespace Commons.Metering.Firmware.Storage
{
    /// <summary>The two halves of the outbox region (outbox.md): one is active and takes appends;
    /// compaction copies the pending records into the other and commits it by writing its header
    /// (with the next generation) last. A power cut before that header is complete leaves the
    /// old half in force with every record it held.</summary>
    internal sealed partial class FlashOutbox
    {
        /// <summary>Half header: magic u32, generation u32, CRC-32 of the first 8 bytes, 4 spare.</summary>
        public const int HeaderBytes = 16;

        private const uint HeaderMagic = 0x424F4D43; // "CMOB" little-endian

        private readonly byte[] _header = new byte[HeaderBytes];
        private int _activeHalf;
        private uint _generation;
        private int _writeBlock;
        private int _writeOffset = HeaderBytes;
        private bool _closed = true;

        /// <summary>Generation of the active half (for tests).</summary>
        public uint Generation { get { return _generation; } }

        /// <summary>True when a record of <paramref name="length"/> bytes can be appended without compaction.</summary>
        public bool Fits(int length)
        {
            if (_closed)
            {
                return false;
            }
            if (_writeOffset + length <= _blockSize)
            {
                return true;
            }
            return _writeBlock + 1 < _blocksPerHalf && length <= _blockSize;
        }

        /// <summary>Copies the pending records, then the newest confirmed ones (the flash window,
        /// FlashOutbox.Window.cs), to the other half and makes it the active one. The caller checkpoints the
        /// totals first: records dropped here may carry the newest registers.</summary>
        public void Compact()
        {
            int target = 1 - _activeHalf;
            EraseHalf(target);
            int block = 0;
            int offset = HeaderBytes;
            for (int i = 0; i < _count; i++)
            {
                int length = _lengthOf[i];
                _store.Read(_blockOf[i], _offsetOf[i], _scratch, 0, length);
                if (offset + length > _blockSize)
                {
                    block++;
                    offset = 0;
                    if (block >= _blocksPerHalf)
                    {
                        throw new InvalidOperationException("outbox compaction overflow");
                    }
                }
                int absolute = BlockOf(target, block);
                _store.Write(absolute, offset, _scratch, 0, length);
                _blockOf[i] = absolute;
                _offsetOf[i] = offset;
                offset += length;
            }
            CopyWindow(target, ref block, ref offset);
            WriteHeader(target, _generation + 1);
            _activeHalf = target;
            _generation++;
            _writeBlock = block;
            _writeOffset = offset;
            _closed = false;
        }

        /// <summary>Rebuilds the index from flash. Every intact record, pending or removed, is
        /// shown to <paramref name="visitor"/> in log order (which is sequence order).</summary>
        public void Recover(OutboxRecovery visitor)
        {
            _count = 0;
            _pendingBytes = 0;
            uint generation0;
            uint generation1;
            bool valid0 = ReadHeader(0, out generation0);
            bool valid1 = ReadHeader(1, out generation1);
            if (!valid0 && !valid1)
            {
                EraseHalf(0);
                WriteHeader(0, 1);
                _activeHalf = 0;
                _generation = 1;
                _writeBlock = 0;
                _writeOffset = HeaderBytes;
                _closed = false;
                return;
            }
            _activeHalf = valid0 && (!valid1 || generation0 > generation1) ? 0 : 1;
            _generation = _activeHalf == 0 ? generation0 : generation1;
            _closed = false;
            int endBlock = 0;
            int endOffset = HeaderBytes;
            for (int b = 0; b < _blocksPerHalf; b++)
            {
                int block = BlockOf(_activeHalf, b);
                int offset = b == 0 ? HeaderBytes : 0;
                while (true)
                {
                    int length;
                    int result = FlashRecords.Read(_store, block, offset, _scratch, OutboxRecord.Magic,
                        OutboxRecord.MinLength, OutboxRecord.RemovedAt, OutboxRecord.FlagCount, out length);
                    if (result == FlashRecords.Valid && OutboxRecord.BodyFits(_scratch, length))
                    {
                        visitor.Visit(_scratch, length);
                        if (!OutboxRecord.IsRemoved(_scratch))
                        {
                            AddRecovered(block, offset, length, visitor);
                        }
                        offset += length;
                        endBlock = b;
                        endOffset = offset;
                        continue;
                    }
                    if (result != FlashRecords.End)
                    {
                        _closed = true; // a torn record: append nothing more to this half
                    }
                    break;
                }
            }
            _writeBlock = endBlock;
            _writeOffset = endOffset;
            if (!_closed && !TailErased())
            {
                _closed = true;
            }
        }

        private void AddRecovered(int block, int offset, int length, OutboxRecovery visitor)
        {
            if (_count == Capacity)
            {
                // The capacity shrank since the records were written: the oldest go.
                Remove(0);
                visitor.DroppedAtRecovery++;
            }
            byte flags = 0;
            if (OutboxRecord.Kind(_scratch) == OutboxRecord.KindReading)
            {
                flags = FlagReading;
                if (!OutboxRecord.HasPermit(_scratch))
                {
                    flags |= FlagThinnable;
                }
            }
            else if (OutboxRecord.Kind(_scratch) == OutboxRecord.KindGauge)
            {
                flags = FlagGauge;
            }
            if (OutboxRecord.IsPinned(_scratch))
            {
                flags |= FlagPinned;
            }
            AddIndex(block, offset, length, flags, OutboxRecord.Seq(_scratch));
        }

        private bool TailErased()
        {
            for (int b = _writeBlock; b < _blocksPerHalf; b++)
            {
                int from = b == _writeBlock ? _writeOffset : 0;
                if (!FlashRecords.IsErased(_store, BlockOf(_activeHalf, b), from, _blockSize - from, _scratch))
                {
                    return false;
                }
            }
            return true;
        }

        private bool ReadHeader(int half, out uint generation)
        {
            _store.Read(BlockOf(half, 0), 0, _header, 0, HeaderBytes);
            generation = LittleEndian.ReadUInt32(_header, 4);
            return LittleEndian.ReadUInt32(_header, 0) == HeaderMagic
                && LittleEndian.ReadUInt32(_header, 8) == Crc32.Compute(_header, 0, 8);
        }

        private void WriteHeader(int half, uint generation)
        {
            LittleEndian.WriteUInt32(_header, 0, HeaderMagic);
            LittleEndian.WriteUInt32(_header, 4, generation);
            LittleEndian.WriteUInt32(_header, 8, Crc32.Compute(_header, 0, 8));
            _store.Write(BlockOf(half, 0), 0, _header, 0, 12);
        }

        private void EraseHalf(int half)
        {
            for (int b = 0; b < _blocksPerHalf; b++)
            {
                _store.Erase(BlockOf(half, b));
            }
        }

        private int BlockOf(int half, int block)
        {
            return _firstBlock + half * _blocksPerHalf + block;
        }
    }
}
