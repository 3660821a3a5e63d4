namespace Commons.Metering.Firmware
{
    /// <summary>A pulse input (water flow meter, S0 energy meter): pulses become units of the
    /// register through an exact calibration ratio, e.g. YF-S201 at 450 pulses per litre is
    /// (1000, 450) in mL. Thread-safe: edges may arrive on interrupt threads.</summary>
    public sealed class PulseChannel
    {
        private readonly ChannelState _state;

        internal PulseChannel(ChannelState state)
        {
            _state = state;
        }

        public string Name { get { return _state.Name; } }

        /// <summary>Cumulative register in the channel's unit.</summary>
        public long Register
        {
            get
            {
                lock (_state.Sync)
                {
                    return _state.Register;
                }
            }
        }

        internal ChannelState State { get { return _state; } }

        /// <summary>One edge seen at <paramref name="uptimeMs"/>. Software debounce: an edge closer
        /// than debounceMs to the last accepted edge is contact bounce and is ignored.</summary>
        public void OnEdge(long uptimeMs)
        {
            lock (_state.Sync)
            {
                if (_state.HasEdge && uptimeMs - _state.LastEdgeUptimeMs < _state.DebounceMs)
                {
                    return;
                }
                _state.HasEdge = true;
                _state.LastEdgeUptimeMs = uptimeMs;
                _state.AddPulses(1);
            }
        }

        /// <summary>Adds already-filtered pulses (a hardware counter such as the ESP32 PCNT).</summary>
        public void AddPulses(long pulses)
        {
            lock (_state.Sync)
            {
                _state.AddPulses(pulses);
            }
        }
    }
}
