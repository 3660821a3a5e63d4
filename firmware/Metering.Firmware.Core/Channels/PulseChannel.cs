namespace Commons.Metering.Firmware
{
    /// <summary>A pulse input (water flow meter, S0 energy meter): pulses become units of the
    /// register through an exact calibration ratio, e.g. YF-S201 at 450 pulses per litre is
    /// (1000, 450) in mL. Thread-safe: edges may arrive on interrupt threads.</summary>
    public sealed class PulseChannel : MeterChannel
    {
        internal PulseChannel(DeviceChannelState state)
            : base(state)
        {
        }

        /// <summary>One edge seen at <paramref name="uptimeMs"/>. Software debounce: an edge closer
        /// than debounceMs to the last accepted edge is contact bounce and is ignored.</summary>
        public void OnEdge(long uptimeMs)
        {
            lock (State.Sync)
            {
                if (State.HasEdge && uptimeMs - State.LastEdgeUptimeMs < State.DebounceMs)
                {
                    return;
                }
                State.HasEdge = true;
                State.LastEdgeUptimeMs = uptimeMs;
                State.AddPulses(1);
            }
        }

        /// <summary>Adds already-filtered pulses (a hardware counter such as the ESP32 PCNT).</summary>
        public void AddPulses(long pulses)
        {
            lock (State.Sync)
            {
                State.AddPulses(pulses);
            }
        }
    }
}
