namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>One metering channel as the configuration file declares it: what the core counts
    /// (<see cref="Kind"/>), from which source, and which outputs act on it.</summary>
    public sealed class ChannelSpec
    {
        public const string KindPulse = "pulse";
        public const string KindRegister = "register";
        public const string KindAccumulator = "accumulator";

        /// <summary>Hardware pulse counter (ESP32 PCNT): clean edges such as a Hall flow sensor.</summary>
        public const string SourcePcnt = "pcnt";
        /// <summary>GPIO interrupt + PulseChannel.OnEdge software debounce: reed contacts, S0.</summary>
        public const string SourceEdge = "edge";
        /// <summary>PZEM-004T v3 energy register over UART.</summary>
        public const string SourcePzem = "pzem";
        /// <summary>HX711 load cell, bookings against a permit card.</summary>
        public const string SourceHx711 = "hx711";

        public static readonly string[] Kinds = new string[] { KindPulse, KindRegister, KindAccumulator };
        public static readonly string[] Sources = new string[] { SourcePcnt, SourceEdge, SourcePzem, SourceHx711 };

        public string Name;
        public string Kind;
        public string Unit;
        public string Source;

        /// <summary>Pulse channels: register += pulses x UnitsNumerator / PulsesDenominator.</summary>
        public long UnitsNumerator;
        public long PulsesDenominator;
        public int DebounceMs;

        /// <summary>Accumulator (HX711) channels: calibration as an exact fraction and the number
        /// of conversions per weighing (see <see cref="LoadCellCalibration"/>).</summary>
        public long OffsetCounts;
        public long GramsNumerator;
        public long CountsDenominator;
        public int Samples;

        /// <summary>Role of the input pin (pulse channels), or null.</summary>
        public string Pin;

        /// <summary>Role of the valve output for this channel (ICommandHandler.ApplyValve), or null.</summary>
        public string Valve;

        /// <summary>Role of the relay output for this channel (ICommandHandler.ApplyRelay), or null.</summary>
        public string Relay;
    }
}
