namespace Commons.Metering.Firmware
{
    /// <summary>A forest channel: grams of weighed loads booked against permits
    /// (<see cref="MeterDevice.BookLoad"/>).</summary>
    public sealed class AccumulatorChannel
    {
        private readonly ChannelState _state;

        internal AccumulatorChannel(ChannelState state)
        {
            _state = state;
        }

        public string Name { get { return _state.Name; } }

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
