namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>Modbus RTU frames of the PZEM-004T v3 energy monitor (PZEM-004T V3.0 datasheet,
    /// "Communication protocol"): UART 9600 baud 8N1, slave addresses 0x01..0xF7, 0xF8 = the general
    /// address for a single slave, function 0x04 reads the ten input registers 0x0000..0x0009,
    /// 0x42 resets the energy register. Pure framing: the board owns the UART.</summary>
    public static class Pzem004t
    {
        /// <summary>Datasheet: "Baud rate is 9600, 8 data bits, 1 stop bit, no parity".</summary>
        public const int BaudRate = 9600;

        /// <summary>Datasheet: 0xF8 is the general address, usable when one slave is on the bus.</summary>
        public const byte GeneralAddress = 0xF8;

        public const byte ReadInputRegisters = 0x04;
        public const byte ResetEnergy = 0x42;

        /// <summary>Input registers 0x0000..0x0009 (voltage .. alarm).</summary>
        public const int RegisterCount = 10;

        public const int RequestLength = 8;
        public const int ResetLength = 4;

        /// <summary>Address, function, byte count (20), 10 registers, CRC.</summary>
        public const int ResponseLength = 3 + 2 * RegisterCount + 2;

        /// <summary>Address, function | 0x80, exception code, CRC.</summary>
        public const int ExceptionLength = 5;

        public const int Ok = 0;
        /// <summary>Fewer bytes than a whole answer yet: read more (or time out).</summary>
        public const int Incomplete = 1;
        public const int BadCrc = 2;
        public const int WrongAddress = 3;
        /// <summary>The meter answered with a Modbus exception (see <see cref="PzemReading.ExceptionCode"/>).</summary>
        public const int Exception = 4;
        public const int Malformed = 5;

        /// <summary>Writes the 8-byte request for registers 0x0000..0x0009 into <paramref name="frame"/>.</summary>
        public static int BuildReadRequest(byte address, byte[] frame)
        {
            CheckAddress(address);
            frame[0] = address;
            frame[1] = ReadInputRegisters;
            frame[2] = 0x00; // start register, high byte first (Modbus big-endian data)
            frame[3] = 0x00;
            frame[4] = 0x00;
            frame[5] = RegisterCount;
            return Crc16Modbus.Append(frame, 6);
        }

        /// <summary>Writes the 4-byte "reset energy" request (function 0x42).</summary>
        public static int BuildResetEnergy(byte address, byte[] frame)
        {
            CheckAddress(address);
            frame[0] = address;
            frame[1] = ResetEnergy;
            return Crc16Modbus.Append(frame, 2);
        }

        /// <summary>Decodes an answer to <see cref="BuildReadRequest"/>. Returns <see cref="Ok"/> and
        /// fills <paramref name="into"/>, or one of the other codes (nothing in <paramref name="into"/>
        /// but <see cref="PzemReading.ExceptionCode"/> is meaningful then).</summary>
        public static int ParseReadResponse(byte[] frame, int count, byte address, PzemReading into)
        {
            into.Clear();
            if (count < ExceptionLength)
            {
                return Incomplete;
            }
            if (frame[1] == (ReadInputRegisters | 0x80))
            {
                if (!Crc16Modbus.Check(frame, ExceptionLength))
                {
                    return BadCrc;
                }
                if (frame[0] != address && address != GeneralAddress)
                {
                    return WrongAddress;
                }
                into.ExceptionCode = frame[2];
                return Exception;
            }
            if (frame[1] != ReadInputRegisters || frame[2] != 2 * RegisterCount)
            {
                return Malformed;
            }
            if (count < ResponseLength)
            {
                return Incomplete;
            }
            if (count > ResponseLength)
            {
                return Malformed;
            }
            if (!Crc16Modbus.Check(frame, ResponseLength))
            {
                return BadCrc;
            }
            if (frame[0] != address && address != GeneralAddress)
            {
                return WrongAddress;
            }
            into.VoltageDeciV = Register(frame, 0);
            into.CurrentMilliA = Register32(frame, 1);
            into.PowerDeciW = Register32(frame, 3);
            into.EnergyWh = Register32(frame, 5);
            into.FrequencyDeciHz = Register(frame, 7);
            into.PowerFactorCenti = Register(frame, 8);
            into.Alarm = Register(frame, 9) == 0xFFFF;
            return Ok;
        }

        /// <summary>Register n of a read answer, big-endian, data starting at byte 3.</summary>
        private static int Register(byte[] frame, int n)
        {
            int at = 3 + 2 * n;
            return (frame[at] << 8) | frame[at + 1];
        }

        /// <summary>A 32-bit value held in two registers, LOW word first (datasheet register map:
        /// "current value low 16 bits" at 0x0001, "high 16 bits" at 0x0002).</summary>
        private static long Register32(byte[] frame, int lowRegister)
        {
            return ((long)Register(frame, lowRegister + 1) << 16) | (long)Register(frame, lowRegister);
        }

        private static void CheckAddress(byte address)
        {
            // Datasheet: slave addresses 0x01..0xF7, 0xF8 general; 0x00 is broadcast (no answer).
            if (address == 0 || address > GeneralAddress)
            {
                throw new System.ArgumentException("PZEM address must be 0x01..0xF8");
            }
        }
    }
}
