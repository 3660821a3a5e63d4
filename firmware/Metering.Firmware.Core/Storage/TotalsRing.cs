using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Storage
{
    /// <summary>The wear-levelled ring of CRC-checked totals records (totals-ring.md). Records are
    /// appended to erased flash; when a block is full the next block of the ring (the oldest) is
    /// erased and writing continues there. Recovery takes the valid record with the highest
    /// counter, so a write cut at any byte leaves the previous record in force.</summary>
    internal sealed class TotalsRing
    {
        private const byte Magic = 0x5A;
        /// <summary>2 adds the local policy after the cids; 3 adds a flags byte after the policy (the
        /// gateway confirms: docs/protocol.md, confirmation). Version-1 and -2 records are still read.</summary>
        private const byte Version = 3;
        private const byte VersionPolicy = 2;
        private const int PolicyHeaderBytes = 3;
        private const int FlagsBytes = 1;
        private const byte FlagGatewayConfirms = 1;
        private const int PolicyBytes = 58;
        private const int HeaderBytes = 34;
        private const int ChannelBytes = 20;
        private const int CrcBytes = 4;

        /// <summary>16 channels, 8 cids of 32 characters, 16 policies and the flags: 34 + 320 + 8 * 34 + 3 + 16 * 58 + 1 + 4.</summary>
        public const int MaxRecordBytes = HeaderBytes + Limits.MaxChannels * ChannelBytes
            + Limits.RememberedCids * (2 + Limits.MaxCidLength) + PolicyHeaderBytes + Limits.MaxChannels * PolicyBytes + FlagsBytes + CrcBytes;

        /// <summary>The largest record a device with <paramref name="channels"/> channels writes:
        /// it must fit in one block.</summary>
        public static int WorstRecordBytes(int channels)
        {
            return HeaderBytes + channels * (ChannelBytes + PolicyBytes) + Limits.RememberedCids * (2 + Limits.MaxCidLength)
                + PolicyHeaderBytes + FlagsBytes + CrcBytes;
        }

        private readonly IBlockStore _store;
        private readonly int _firstBlock;
        private readonly int _blockCount;
        private readonly byte[] _buffer = new byte[MaxRecordBytes];
        private int _block;
        private int _offset;
        private bool _writable;
        private long _counter;

        public TotalsRing(IBlockStore store, int firstBlock, int blockCount)
        {
            _store = store;
            _firstBlock = firstBlock;
            _blockCount = blockCount;
            _block = firstBlock + blockCount - 1;
        }

        /// <summary>Block the next record goes to if it fits (for tests of the wear levelling).</summary>
        public int CurrentBlock { get { return _block; } }

        /// <summary>Finds the newest valid record; false (state untouched) when there is none.</summary>
        public bool Recover(TotalsState state)
        {
            long best = -1;
            int bestBlock = -1;
            int bestEnd = 0;
            for (int block = _firstBlock; block < _firstBlock + _blockCount; block++)
            {
                int offset = 0;
                int length;
                while (FlashRecords.Read(_store, block, offset, _buffer, Magic, HeaderBytes + CrcBytes, 0, 0, out length)
                    == FlashRecords.Valid)
                {
                    long counter = LittleEndian.ReadInt64(_buffer, 4);
                    if (counter > best && Decode(state, length))
                    {
                        best = counter;
                        bestBlock = block;
                        bestEnd = offset + length;
                    }
                    offset += length;
                }
            }
            if (bestBlock < 0)
            {
                _block = _firstBlock + _blockCount - 1;
                _writable = false; // the next write erases the first block
                _counter = 0;
                return false;
            }
            _counter = best;
            _block = bestBlock;
            _offset = bestEnd;
            // Anything but erased flash after the newest record (a torn write) closes the block.
            _writable = FlashRecords.IsErased(_store, _block, _offset, _store.BlockSize - _offset, _buffer);
            return true;
        }

        /// <summary>Appends a record of <paramref name="state"/>; returns once it is in flash.</summary>
        public void Write(TotalsState state)
        {
            int length = Encode(state, _counter + 1);
            if (!_writable || _offset + length > _store.BlockSize)
            {
                _block = _block + 1 < _firstBlock + _blockCount ? _block + 1 : _firstBlock;
                _store.Erase(_block);
                _offset = 0;
                _writable = true;
            }
            _store.Write(_block, _offset, _buffer, 0, length);
            _offset += length;
            _counter++;
        }

        private int Encode(TotalsState s, long counter)
        {
            byte[] b = _buffer;
            b[0] = Magic;
            b[1] = Version;
            LittleEndian.WriteInt64(b, 4, counter);
            LittleEndian.WriteInt64(b, 12, s.SeqReservedThrough);
            LittleEndian.WriteInt64(b, 20, s.LastTsMs);
            LittleEndian.WriteUInt32(b, 28, (uint)s.BootCount);
            b[32] = (byte)s.ChannelCount;
            b[33] = (byte)s.CidCount;
            int at = HeaderBytes;
            for (int i = 0; i < s.ChannelCount; i++)
            {
                LittleEndian.WriteUInt32(b, at, s.Hashes[i]);
                LittleEndian.WriteInt64(b, at + 4, s.Registers[i]);
                LittleEndian.WriteInt64(b, at + 12, s.Remainders[i]);
                at += ChannelBytes;
            }
            for (int i = 0; i < s.CidCount; i++)
            {
                string cid = s.Cids[i];
                b[at++] = (byte)cid.Length;
                for (int k = 0; k < cid.Length; k++)
                {
                    b[at++] = (byte)cid[k];
                }
                b[at++] = s.CidResults[i];
            }
            b[at++] = (byte)s.Stage;
            b[at++] = (byte)s.StageCurtail;
            b[at++] = (byte)s.PolicyCount;
            for (int i = 0; i < s.PolicyCount; i++)
            {
                LittleEndian.WriteUInt32(b, at, s.PolicyHashes[i]);
                b[at + 4] = s.UseClasses[i];
                b[at + 5] = s.Trips[i];
                LittleEndian.WriteInt64(b, at + 6, s.AllowanceLimits[i]);
                LittleEndian.WriteInt64(b, at + 14, s.AllowancePeriodsS[i]);
                LittleEndian.WriteInt64(b, at + 22, s.AllowanceStarts[i]);
                LittleEndian.WriteInt64(b, at + 30, s.PeriodStarts[i]);
                LittleEndian.WriteInt64(b, at + 38, s.PeriodBaselines[i]);
                LittleEndian.WriteUInt32(b, at + 46, (uint)s.LeaksS[i]);
                LittleEndian.WriteInt64(b, at + 50, s.BurstsPerMin[i]);
                at += PolicyBytes;
            }
            b[at++] = s.GatewayConfirms ? FlagGatewayConfirms : (byte)0;
            int length = at + CrcBytes;
            LittleEndian.WriteUInt16(b, 2, length);
            FlashRecords.Seal(b, length, 0, 0);
            return length;
        }

        private bool Decode(TotalsState s, int length)
        {
            byte[] b = _buffer;
            int channels = b[32];
            int cids = b[33];
            if ((b[1] != Version && b[1] != VersionPolicy && b[1] != 1) || channels > Limits.MaxChannels || cids > Limits.RememberedCids
                || HeaderBytes + channels * ChannelBytes + CrcBytes > length)
            {
                return false;
            }
            int at = HeaderBytes + channels * ChannelBytes;
            for (int i = 0; i < cids; i++)
            {
                int cidLength = b[at];
                if (cidLength == 0 || cidLength > Limits.MaxCidLength || at + 2 + cidLength > length - CrcBytes)
                {
                    return false;
                }
                at += 2 + cidLength;
            }
            int policies = 0;
            int flags = b[1] == Version ? FlagsBytes : 0;
            if (b[1] != 1)
            {
                policies = at + PolicyHeaderBytes <= length - CrcBytes ? b[at + 2] : 255;
                if (policies > Limits.MaxChannels || at + PolicyHeaderBytes + policies * PolicyBytes + flags > length - CrcBytes
                    || !PolicyValid(b, at, policies))
                {
                    return false;
                }
            }
            s.GatewayConfirms = flags > 0 && (b[at + PolicyHeaderBytes + policies * PolicyBytes] & FlagGatewayConfirms) != 0;
            s.SeqReservedThrough = LittleEndian.ReadInt64(b, 12);
            s.LastTsMs = LittleEndian.ReadInt64(b, 20);
            s.BootCount = (int)LittleEndian.ReadUInt32(b, 28);
            s.ChannelCount = channels;
            at = HeaderBytes;
            for (int i = 0; i < channels; i++)
            {
                s.Hashes[i] = LittleEndian.ReadUInt32(b, at);
                s.Registers[i] = LittleEndian.ReadInt64(b, at + 4);
                s.Remainders[i] = LittleEndian.ReadInt64(b, at + 12);
                at += ChannelBytes;
            }
            s.CidCount = cids;
            for (int i = 0; i < cids; i++)
            {
                int cidLength = b[at];
                s.Cids[i] = Ascii.ToText(b, at + 1, cidLength);
                s.CidResults[i] = b[at + 1 + cidLength];
                at += 2 + cidLength;
            }
            DecodePolicy(s, b, at, policies);
            return true;
        }

        /// <summary>A record whose CRC holds but whose policy makes no sense is not used: the
        /// device then falls back to an older record, or to no policy at all (fails safe).</summary>
        private static bool PolicyValid(byte[] b, int at, int policies)
        {
            int curtail = b[at + 1];
            if (b[at] > 3 || curtail < UseClass.Standard || curtail > UseClass.None)
            {
                return false;
            }
            at += PolicyHeaderBytes;
            for (int i = 0; i < policies; i++)
            {
                int useClass = b[at + 4];
                int trip = b[at + 5];
                if (useClass < UseClass.Essential || useClass > UseClass.Discretionary || (trip != 0 && trip != EventKind.Leak && trip != EventKind.Burst)
                    || LittleEndian.ReadInt64(b, at + 14) < 0 || (int)LittleEndian.ReadUInt32(b, at + 46) < 0
                    || LittleEndian.ReadInt64(b, at + 50) < 0)
                {
                    return false;
                }
                at += PolicyBytes;
            }
            return true;
        }

        private static void DecodePolicy(TotalsState s, byte[] b, int at, int policies)
        {
            s.Stage = 0;
            s.StageCurtail = UseClass.None;
            s.PolicyCount = policies;
            if (b[1] == 1)
            {
                return;
            }
            s.Stage = b[at];
            s.StageCurtail = b[at + 1];
            at += PolicyHeaderBytes;
            for (int i = 0; i < policies; i++)
            {
                s.PolicyHashes[i] = LittleEndian.ReadUInt32(b, at);
                s.UseClasses[i] = b[at + 4];
                s.Trips[i] = b[at + 5];
                s.AllowanceLimits[i] = LittleEndian.ReadInt64(b, at + 6);
                s.AllowancePeriodsS[i] = LittleEndian.ReadInt64(b, at + 14);
                s.AllowanceStarts[i] = LittleEndian.ReadInt64(b, at + 22);
                s.PeriodStarts[i] = LittleEndian.ReadInt64(b, at + 30);
                s.PeriodBaselines[i] = LittleEndian.ReadInt64(b, at + 38);
                s.LeaksS[i] = (int)LittleEndian.ReadUInt32(b, at + 46);
                s.BurstsPerMin[i] = LittleEndian.ReadInt64(b, at + 50);
                at += PolicyBytes;
            }
        }
    }
}
