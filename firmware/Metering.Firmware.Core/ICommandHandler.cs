namespace Commons.Metering.Firmware
{
    /// <summary>The effects of downlink commands (docs/protocol.md, command), supplied by the
    /// board or host. Each method returns true when the command was applied and false when it
    /// cannot be for this device (e.g. no such channel), which is acknowledged as `bad_field`.
    /// Called from the thread that calls <see cref="MeterDevice.Tick"/>, outside the device lock.
    /// Without a handler, every command but `ping` is refused as `unknown_op`.</summary>
    public interface ICommandHandler
    {
        /// <summary>Allowance of <paramref name="limit"/> units of the channel per
        /// <paramref name="periodS"/> seconds.</summary>
        bool ApplyAllowance(string channel, long limit, long periodS);

        /// <summary>Shortage stage 0-3 (normal, moderate, high, emergency; OpenADR SIMPLE levels).</summary>
        bool ApplyStage(int stage);

        /// <summary>Valve state: open lets water flow.</summary>
        bool ApplyValve(string channel, bool open);

        /// <summary>Relay state as on the wire: "open" breaks the circuit, "closed" makes it.</summary>
        bool ApplyRelay(string channel, bool open);
    }
}
