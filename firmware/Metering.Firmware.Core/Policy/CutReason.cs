namespace Commons.Metering.Firmware
{
    /// <summary>Why a channel's output is curtailed (valve closed, relay open), in the order the
    /// local policy checks them (docs/protocol.md, "Device autonomy").</summary>
    public static class CutReason
    {
        public const int None = 0;
        /// <summary>A leak or burst trip: the only reason that may curtail an essential channel.</summary>
        public const int Safety = 1;
        /// <summary>The current stage curtails the channel's use class.</summary>
        public const int Stage = 2;
        /// <summary>The channel's allowance for the current period is used up.</summary>
        public const int Allowance = 3;
        /// <summary>The gateway's last valve/relay command (not part of the local policy).</summary>
        public const int Command = 4;

        public static readonly string[] Names = new string[] { "none", "safety", "stage", "allowance", "command" };
    }

    /// <summary>What a channel's curtailment drives (<see cref="MeterDevice.SetOutput"/>).</summary>
    public static class ChannelOutput
    {
        public const int None = 0;
        /// <summary>A valve: curtailed = closed (ICommandHandler.ApplyValve(channel, false)).</summary>
        public const int Valve = 1;
        /// <summary>A relay: curtailed = open, circuit broken (ICommandHandler.ApplyRelay(channel, true)).</summary>
        public const int Relay = 2;
    }
}
