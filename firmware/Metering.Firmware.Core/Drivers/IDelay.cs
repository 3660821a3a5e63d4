namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>Waits a few milliseconds between the steps of a bus conversion. The board sleeps
    /// the thread; tests count the waits instead of taking them.</summary>
    public interface IDelay
    {
        void SleepMs(int milliseconds);
    }
}
