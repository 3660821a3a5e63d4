namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>The GPIO driver's own debounce for an edge input (GpioPin.DebounceTimeout on the
    /// ESP32): it filters contact bounce before an interrupt becomes a managed event, so a bouncing
    /// reed cannot flood the event queue. The channel's debounce_ms is still applied by
    /// PulseChannel.OnEdge, which decides what counts; the native filter only thins the storm, and is
    /// kept short enough that it can never swallow a real pulse.</summary>
    internal static class NativeDebounce
    {
        /// <summary>A third of the shortest real pulse: an S0 output holds a pulse for at least 30 ms
        /// (IEC 62053-31, pulse duration); reed bounce lasts about 1 ms.</summary>
        public const int MaxFilterMs = 10;

        /// <summary>The native filter for a channel whose software debounce is
        /// <paramref name="debounceMs"/>: that value, at most <see cref="MaxFilterMs"/>; 0 (off) for none.</summary>
        public static int FilterMs(int debounceMs)
        {
            if (debounceMs <= 0)
            {
                return 0;
            }
            return debounceMs < MaxFilterMs ? debounceMs : MaxFilterMs;
        }
    }
}
