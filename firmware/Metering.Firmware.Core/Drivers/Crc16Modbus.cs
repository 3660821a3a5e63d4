namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>CRC-16/MODBUS: reflected polynomial 0xA001 (0x8005), initial value 0xFFFF, no final
    /// XOR; check value 0x4B37 for "123456789" (Modbus over Serial Line V1.02, 6.2.2 and Appendix B).
    /// On the wire the low byte goes first. Bitwise, no table: a PZEM frame is 25 bytes at most.</summary>
    public static class Crc16Modbus
    {
        public static int Compute(byte[] data, int index, int count)
        {
            int crc = 0xFFFF;
            for (int i = index; i < index + count; i++)
            {
                crc ^= data[i];
                for (int bit = 0; bit < 8; bit++)
                {
                    crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xA001 : crc >> 1;
                }
            }
            return crc;
        }

        /// <summary>Writes the CRC of the first <paramref name="length"/> bytes after them (low byte
        /// first); returns the frame length including the CRC.</summary>
        public static int Append(byte[] frame, int length)
        {
            int crc = Compute(frame, 0, length);
            frame[length] = (byte)(crc & 0xFF);
            frame[length + 1] = (byte)(crc >> 8);
            return length + 2;
        }

        /// <summary>True when the last two of <paramref name="count"/> bytes are the CRC of the rest.</summary>
        public static bool Check(byte[] frame, int count)
        {
            if (count < 3)
            {
                return false;
            }
            int crc = Compute(frame, 0, count - 2);
            return frame[count - 2] == (byte)(crc & 0xFF) && frame[count - 1] == (byte)(crc >> 8);
        }
    }
}
