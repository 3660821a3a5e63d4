namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>The words of the gauge uplink (docs/protocol.md, gauge): field openers, the
    /// quantities (each with its integer base unit in its name) and the sensor kinds.</summary>
    internal static class GaugeWords
    {
        public static readonly byte[] GaugesOpen = Ascii.Bytes(",\"g\":[");
        public static readonly byte[] Name = Ascii.Bytes("{\"n\":\"");
        public static readonly byte[] Quantity = Ascii.Bytes("\",\"q\":\"");
        public static readonly byte[] Sensor = Ascii.Bytes("\",\"s\":\"");
        public static readonly byte[] Last = Ascii.Bytes("\",\"last\":");
        public static readonly byte[] Min = Ascii.Bytes(",\"min\":");
        public static readonly byte[] Max = Ascii.Bytes(",\"max\":");
        public static readonly byte[] Mean = Ascii.Bytes(",\"mean\":");
        public static readonly byte[] Samples = Ascii.Bytes(",\"samples\":");

        /// <summary>docs/protocol.md, gauge: `g[].q`. Index 0 is unused (a record's code 0 is invalid).</summary>
        public static readonly string[] Quantities = new string[]
        {
            "", "level_mm", "pressure_pa", "voltage_mv", "current_ma", "power_w", "charge_pct", "temperature_mdegc",
        };

        public static readonly byte[][] QuantityBytes = BytesOf(Quantities);

        /// <summary>docs/protocol.md, gauge: `g[].s`, the sensor that measured it (the gateway knows
        /// each one's physical range). `sim` is the simulator.</summary>
        public static readonly string[] Sensors = new string[]
        {
            "", "a02yyuw", "ads1115", "ina219", "pzem", "sim",
        };

        public static readonly byte[][] SensorBytes = BytesOf(Sensors);

        private static byte[][] BytesOf(string[] words)
        {
            byte[][] bytes = new byte[words.Length][];
            for (int i = 0; i < words.Length; i++)
            {
                bytes[i] = Ascii.Bytes(words[i]);
            }
            return bytes;
        }
    }
}
