namespace Commons.Metering.Firmware.Storage
{
    /// <summary>Little-endian integers in byte buffers, without BitConverter's allocations.</summary>
    internal static class LittleEndian
    {
        public static void WriteUInt16(byte[] buffer, int index, int value)
        {
            buffer[index] = (byte)value;
            buffer[index + 1] = (byte)(value >> 8);
        }

        public static int ReadUInt16(byte[] buffer, int index)
        {
            return buffer[index] | (buffer[index + 1] << 8);
        }

        public static void WriteUInt32(byte[] buffer, int index, uint value)
        {
            for (int i = 0; i < 4; i++)
            {
                buffer[index + i] = (byte)(value >> (8 * i));
            }
        }

        public static uint ReadUInt32(byte[] buffer, int index)
        {
            uint value = 0;
            for (int i = 3; i >= 0; i--)
            {
                value = (value << 8) | buffer[index + i];
            }
            return value;
        }

        public static void WriteInt64(byte[] buffer, int index, long value)
        {
            ulong bits = (ulong)value;
            for (int i = 0; i < 8; i++)
            {
                buffer[index + i] = (byte)(bits >> (8 * i));
            }
        }

        public static long ReadInt64(byte[] buffer, int index)
        {
            ulong bits = 0;
            for (int i = 7; i >= 0; i--)
            {
                bits = (bits << 8) | buffer[index + i];
            }
            return (long)bits;
        }
    }
}
