namespace Commons.Metering.Firmware.Storage
{
    /// <summary>CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320; check value of "123456789"
    /// is 0xCBF43926), the checksum of every flash record.</summary>
    internal static class Crc32
    {
        public const uint Initial = 0xFFFFFFFF;

        private static readonly uint[] Table = BuildTable();

        public static uint Update(uint crc, byte[] data, int index, int count)
        {
            for (int i = index; i < index + count; i++)
            {
                crc = Table[(crc ^ data[i]) & 0xFF] ^ (crc >> 8);
            }
            return crc;
        }

        public static uint Finish(uint crc)
        {
            return ~crc;
        }

        public static uint Compute(byte[] data, int index, int count)
        {
            return Finish(Update(Initial, data, index, count));
        }

        private static uint[] BuildTable()
        {
            uint[] table = new uint[256];
            for (uint n = 0; n < 256; n++)
            {
                uint c = n;
                for (int k = 0; k < 8; k++)
                {
                    c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
                }
                table[n] = c;
            }
            return table;
        }
    }
}
