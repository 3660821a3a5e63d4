namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>The DFRobot A02YYUW (SEN0311) waterproof ultrasonic distance sensor in UART mode,
    /// pure logic. Wiki/datasheet "UART output": 9600 baud 8N1, a 4-byte frame every 100 ms (processed
    /// value, RX left high or open): 0xFF header, Data_H, Data_L (distance in mm, big-endian), SUM =
    /// (0xFF + Data_H + Data_L) &amp; 0xFF. Worked example: FF 07 A1 A7 = 0x07A1 = 1953 mm. Range 30 to
    /// 4500 mm; inside the 30 mm blind zone the sensor reports nothing useful.
    /// Feed it the received bytes one at a time; it keeps no buffer of its own and allocates nothing.</summary>
    public sealed class A02yyuw
    {
        public const int BaudRate = 9600;
        public const byte Header = 0xFF;
        public const int FrameBytes = 4;

        /// <summary>Datasheet: measuring range 3-450 cm.</summary>
        public const int MinDistanceMm = 30;
        public const int MaxDistanceMm = 4500;

        /// <summary>Datasheet: one processed frame every 100 ms (response time).</summary>
        public const int FramePeriodMs = 100;

        private int _position; // bytes of the current frame received, 0 = waiting for a header
        private int _high;
        private int _low;

        /// <summary>Frames whose checksum did not match (noise, a cut-off frame).</summary>
        public long ChecksumErrors { get; private set; }

        /// <summary>The distance of the last complete frame with a good checksum.</summary>
        public int DistanceMm { get; private set; }

        /// <summary>Takes one received byte; true when it completed a frame with a good checksum,
        /// whose distance is then in <see cref="DistanceMm"/>. A bad checksum drops the frame and
        /// looks for the next header.</summary>
        public bool Offer(byte value)
        {
            switch (_position)
            {
                case 0:
                    if (value == Header)
                    {
                        _position = 1;
                    }
                    return false;
                case 1:
                    _high = value;
                    _position = 2;
                    return false;
                case 2:
                    _low = value;
                    _position = 3;
                    return false;
                default:
                    _position = 0;
                    if (((Header + _high + _low) & 0xFF) != value)
                    {
                        ChecksumErrors++;
                        // A header inside the bad frame may start the real one: the sensor streams
                        // continuously, so the next frame resynchronises within 100 ms anyway.
                        return false;
                    }
                    DistanceMm = (_high << 8) | _low;
                    return true;
            }
        }

        /// <summary>True when a distance lies in the datasheet range: outside it the echo was lost
        /// (empty tank beyond range, foam, the blind zone) and the value is not a measurement.</summary>
        public static bool InRange(int distanceMm)
        {
            return distanceMm >= MinDistanceMm && distanceMm <= MaxDistanceMm;
        }

        /// <summary>Reads what the link has (at most <paramref name="scratch"/>'s length per call, up
        /// to <paramref name="maxReads"/> reads) and returns true at the first good frame.</summary>
        public bool TryRead(ISerialLink link, byte[] scratch, int maxReads)
        {
            for (int r = 0; r < maxReads; r++)
            {
                int n = link.Read(scratch, 0, scratch.Length);
                if (n <= 0)
                {
                    return false; // timeout: unplugged, no power, or RX held low (controlled mode)
                }
                for (int i = 0; i < n; i++)
                {
                    if (Offer(scratch[i]))
                    {
                        return true;
                    }
                }
            }
            return false;
        }
    }
}
