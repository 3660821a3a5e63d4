namespace Commons.Metering.Firmware
{
    /// <summary>The local policy's pure rules (docs/protocol.md, "Device autonomy"), kept apart
    /// from the device so each rule is tested on its own.</summary>
    internal static class LocalPolicy
    {
        /// <summary>Why the channel is curtailed now, or <see cref="CutReason.None"/>: a safety trip
        /// first; an essential channel never for anything else (docs/design.md rule 1); then the stage
        /// (classes &gt;= <paramref name="stageCurtailFrom"/>); then a used-up allowance.</summary>
        public static int Decide(DeviceChannelState c, int stageCurtailFrom)
        {
            if (c.Trip != 0)
            {
                return CutReason.Safety;
            }
            if (c.UseClass <= UseClass.Essential)
            {
                return CutReason.None;
            }
            if (c.UseClass >= stageCurtailFrom)
            {
                return CutReason.Stage;
            }
            if (c.AllowancePeriodS > 0 && c.Register - c.PeriodBaseline >= c.AllowanceLimit)
            {
                return CutReason.Allowance;
            }
            return CutReason.None;
        }

        /// <summary>Start of the period holding <paramref name="unixMs"/>: periods are
        /// anchor + k x period (k may be negative).</summary>
        public static long PeriodStart(long unixMs, long anchorUnixMs, long periodS)
        {
            long periodMs = periodS * 1000;
            long d = unixMs - anchorUnixMs;
            long k = d / periodMs;
            if (d % periodMs < 0)
            {
                k--;
            }
            return anchorUnixMs + k * periodMs;
        }

        /// <summary>Moves the allowance to the period of <paramref name="unixMs"/> when that period
        /// began after the current one: the use counts from the register now. True when it rolled.</summary>
        public static bool RollOver(DeviceChannelState c, long unixMs)
        {
            if (c.AllowancePeriodS <= 0 || unixMs == 0)
            {
                return false;
            }
            long start = PeriodStart(unixMs, c.AllowanceStartUnixMs, c.AllowancePeriodS);
            if (start <= c.PeriodStartUnixMs)
            {
                return false; // the same period, or a clock that stepped back
            }
            c.PeriodStartUnixMs = start;
            c.PeriodBaseline = c.Register;
            return true;
        }
    }
}
