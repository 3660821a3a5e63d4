using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Storage
{
    /// <summary>Reading the length-prefixed, CRC-checked records that both the totals ring and the
    /// outbox append to erased flash: [magic][x][length u16]...[crc32]. A record never starts with
    /// 0xFF, so an erased byte where a record would start marks the end of the written area.</summary>
    internal static class FlashRecords
    {
        public const int Valid = 0;
        public const int End = 1;
        public const int Invalid = 2;

        /// <summary>Reads the record at (block, offset) into <paramref name="buffer"/>. The CRC
        /// covers every byte before it except [skipFrom, skipFrom + skipCount): flag bytes that are
        /// programmed later, in place.</summary>
        public static int Read(IBlockStore store, int block, int offset, byte[] buffer, byte magic, int minLength,
            int skipFrom, int skipCount, out int length)
        {
            length = 0;
            int room = store.BlockSize - offset;
            if (room <= 0)
            {
                return End;
            }
            int head = room < 4 ? room : 4;
            store.Read(block, offset, buffer, 0, head);
            if (buffer[0] == 0xFF)
            {
                return End;
            }
            if (head < 4 || buffer[0] != magic)
            {
                return Invalid;
            }
            int recordLength = LittleEndian.ReadUInt16(buffer, 2);
            if (recordLength < minLength || recordLength > room || recordLength > buffer.Length)
            {
                return Invalid;
            }
            store.Read(block, offset + 4, buffer, 4, recordLength - 4);
            int crcAt = recordLength - 4;
            uint crc = Crc32.Update(Crc32.Initial, buffer, 0, skipFrom);
            crc = Crc32.Update(crc, buffer, skipFrom + skipCount, crcAt - skipFrom - skipCount);
            if (Crc32.Finish(crc) != LittleEndian.ReadUInt32(buffer, crcAt))
            {
                return Invalid;
            }
            length = recordLength;
            return Valid;
        }

        /// <summary>Computes and stores the CRC of a record of <paramref name="length"/> bytes.</summary>
        public static void Seal(byte[] buffer, int length, int skipFrom, int skipCount)
        {
            int crcAt = length - 4;
            uint crc = Crc32.Update(Crc32.Initial, buffer, 0, skipFrom);
            crc = Crc32.Update(crc, buffer, skipFrom + skipCount, crcAt - skipFrom - skipCount);
            LittleEndian.WriteUInt32(buffer, crcAt, Crc32.Finish(crc));
        }

        /// <summary>True when every byte of the range reads 0xFF (erased).</summary>
        public static bool IsErased(IBlockStore store, int block, int offset, int count, byte[] scratch)
        {
            while (count > 0)
            {
                int chunk = count < scratch.Length ? count : scratch.Length;
                store.Read(block, offset, scratch, 0, chunk);
                for (int i = 0; i < chunk; i++)
                {
                    if (scratch[i] != 0xFF)
                    {
                        return false;
                    }
                }
                offset += chunk;
                count -= chunk;
            }
            return true;
        }
    }
}
