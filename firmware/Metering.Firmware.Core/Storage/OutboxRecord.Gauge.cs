namespace Commons.Metering.Firmware.Storage
{
    /// <summary>The gauge record (outbox.md): the summaries of up to <see cref="Limits.MaxGauges"/>
    /// gauges over one reading interval. Sequenced like readings, so it is confirmed like them.</summary>
    internal static partial class OutboxRecord
    {
        public const byte KindGauge = 4;
        public const int GaugeBytes = 26; // hash 4, quantity 1, sensor 1, samples 4, last/min/max/mean 4 x 4

        public static int GaugeLength(int gaugeCount)
        {
            return BodyAt + 2 + gaugeCount * GaugeBytes + CrcBytes;
        }

        public static void BeginGauge(byte[] r)
        {
            Header(r, KindGauge, false);
            r[BodyAt] = 0;
            r[BodyAt + 1] = 0;
        }

        /// <summary>Writes entry <paramref name="position"/> and counts it.</summary>
        public static void SetGauge(byte[] r, int position, uint hash, int quantity, int sensor, int samples, int last, int min, int max, int mean)
        {
            int at = BodyAt + 2 + position * GaugeBytes;
            LittleEndian.WriteUInt32(r, at, hash);
            r[at + 4] = (byte)quantity;
            r[at + 5] = (byte)sensor;
            LittleEndian.WriteUInt32(r, at + 6, (uint)samples);
            LittleEndian.WriteUInt32(r, at + 10, (uint)last);
            LittleEndian.WriteUInt32(r, at + 14, (uint)min);
            LittleEndian.WriteUInt32(r, at + 18, (uint)max);
            LittleEndian.WriteUInt32(r, at + 22, (uint)mean);
            r[BodyAt + 1] = (byte)(position + 1);
        }

        public static int GaugeCount(byte[] r) { return r[BodyAt + 1]; }
        public static int GaugeAt(int i) { return BodyAt + 2 + i * GaugeBytes; }
        public static uint GaugeHash(byte[] r, int i) { return LittleEndian.ReadUInt32(r, GaugeAt(i)); }
        public static int GaugeQuantity(byte[] r, int i) { return r[GaugeAt(i) + 4]; }
        public static int GaugeSensor(byte[] r, int i) { return r[GaugeAt(i) + 5]; }
        public static int GaugeValue(byte[] r, int i, int field) { return (int)LittleEndian.ReadUInt32(r, GaugeAt(i) + 6 + 4 * field); }

        private static bool GaugeFits(byte[] r, int end)
        {
            int n = r[BodyAt + 1];
            if (n < 1 || n > Limits.MaxGauges || BodyAt + 2 + n * GaugeBytes > end)
            {
                return false;
            }
            for (int i = 0; i < n; i++)
            {
                int q = GaugeQuantity(r, i);
                int s = GaugeSensor(r, i);
                if (q < 1 || q >= Protocol.GaugeWords.Quantities.Length || s < 1 || s >= Protocol.GaugeWords.Sensors.Length)
                {
                    return false;
                }
            }
            return true;
        }
    }
}
