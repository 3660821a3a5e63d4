namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>One GPIO of a board variant: what it is for (a role such as "flow", "pzem_rx",
    /// "valve_main"), its number and its electrical mode.</summary>
    public sealed class PinAssignment
    {
        public const int ModeInput = 0;
        public const int ModeInputPullUp = 1;
        public const int ModeInputPullDown = 2;
        public const int ModeOutput = 3;

        /// <summary>Spellings of the modes in the configuration file, indexed by mode.</summary>
        public static readonly string[] ModeNames = new string[] { "in", "in_pullup", "in_pulldown", "out" };

        public string Role;
        public int Gpio;
        public int Mode;

        public bool IsInput { get { return Mode != ModeOutput; } }
    }
}
