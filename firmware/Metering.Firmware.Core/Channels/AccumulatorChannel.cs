namespace Commons.Metering.Firmware
{
    /// <summary>A forest channel: grams of weighed loads booked against permits
    /// (<see cref="MeterDevice.BookLoad"/>).</summary>
    public sealed class AccumulatorChannel : MeterChannel
    {
        internal AccumulatorChannel(DeviceChannelState state)
            : base(state)
        {
        }
    }
}
