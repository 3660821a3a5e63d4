namespace Commons.Metering.Firmware
{
    /// <summary>The outputs of a device (docs/protocol.md, command `valve` / `relay`, and the local
    /// policy of "Device autonomy"), supplied by the board or host. The core decides; this only
    /// drives pins. Each method returns true when the output was driven and false when the device
    /// has no such output, which a command acknowledges as `bad_field`. Called from the thread
    /// that calls <see cref="MeterDevice.Tick"/>, outside the device lock: for a valve or relay
    /// command, and whenever the local policy changes a channel's output (a safety trip, a stage,
    /// a used-up allowance, a new period). Without a handler, `valve` and `relay` are refused as
    /// `unknown_op`; allowances, stages, safety thresholds and resets are the core's own.</summary>
    public interface ICommandHandler
    {
        /// <summary>Valve state: open lets water flow.</summary>
        bool ApplyValve(string channel, bool open);

        /// <summary>Relay state as on the wire: "open" breaks the circuit, "closed" makes it.</summary>
        bool ApplyRelay(string channel, bool open);
    }
}
