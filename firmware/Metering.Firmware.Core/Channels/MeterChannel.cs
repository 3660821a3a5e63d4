namespace Commons.Metering.Firmware
{
    /// <summary>What every kind of channel shows: its name and its cumulative register in the
    /// channel's unit. The state lives in <see cref="ChannelState"/>, guarded by the device's lock,
    /// because pulses arrive on interrupt threads.</summary>
    public abstract class MeterChannel
    {
        private readonly ChannelState _state;

        internal MeterChannel(ChannelState state)
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
    }
}
