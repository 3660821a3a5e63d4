using System;

namespace Commons.Metering.Firmware
{
    /// <summary>A meter that keeps its own register (e.g. PZEM-004T energy in Wh). Samples are
    /// passed through as they are, decreases included (a meter swap or rollover), so the gateway
    /// can flag them; the readings around a decrease are pinned against thinning.</summary>
    public sealed class RegisterChannel : MeterChannel
    {
        internal RegisterChannel(DeviceChannelState state)
            : base(state)
        {
        }

        /// <summary>Records the meter's register; must be &gt;= 0 (docs/protocol.md: reg &gt;= 0).</summary>
        public void Sample(long register)
        {
            if (register < 0)
            {
                throw new ArgumentOutOfRangeException("register");
            }
            lock (State.Sync)
            {
                State.Register = register;
                State.Sampled = true;
            }
        }
    }
}
