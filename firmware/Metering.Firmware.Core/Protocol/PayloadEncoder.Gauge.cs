namespace Commons.Metering.Firmware.Protocol
{
    /// <summary>The gauge uplink (docs/protocol.md, gauge), byte for byte in the documented order:
    /// <c>{"v":1,"seq":..,"ts":..,"g":[{"n":..,"q":..,"s":..,"last":..,"min":..,"max":..,"mean":..,"samples":..}]}</c>.</summary>
    internal static class GaugeEncoder
    {
        public static void Begin(JsonWriter w, long seq, long tsMs)
        {
            w.Reset();
            w.Raw(Words.SeqOpen);
            w.Int64(seq);
            w.Raw(Words.Ts);
            w.Int64(tsMs);
            w.Raw(GaugeWords.GaugesOpen);
        }

        public static void Gauge(JsonWriter w, int position, byte[] name, int quantity, int sensor,
            int last, int min, int max, int mean, int samples)
        {
            if (position > 0)
            {
                w.Byte((byte)',');
            }
            w.Raw(GaugeWords.Name);
            w.Raw(name);
            w.Raw(GaugeWords.Quantity);
            w.Raw(GaugeWords.QuantityBytes[quantity]);
            w.Raw(GaugeWords.Sensor);
            w.Raw(GaugeWords.SensorBytes[sensor]);
            w.Raw(GaugeWords.Last);
            w.Int64(last);
            w.Raw(GaugeWords.Min);
            w.Int64(min);
            w.Raw(GaugeWords.Max);
            w.Int64(max);
            w.Raw(GaugeWords.Mean);
            w.Int64(mean);
            w.Raw(GaugeWords.Samples);
            w.Int64(samples);
            w.Byte((byte)'}');
        }

        public static void End(JsonWriter w)
        {
            w.Byte((byte)']');
            w.Byte((byte)'}');
        }
    }
}
