namespace Commons.Metering.Firmware
{
    /// <summary>What every kind of channel shows: its name and its cumulative register in the
    /// channel's unit. The state lives in <see cref="DeviceChannelState"/>, guarded by the device's lock,
    /// because pulses arrive on interrupt threads.</summary>
    public abstract class MeterChannel
    {
        private readonly DeviceChannelState _state;

        internal MeterChannel(DeviceChannelState state)
        {
            _state = state;
        }

        public string Name { get { return _state.Name; } }

        /// <summary>Cumulative register in the channel's unit.</summary>
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

        /// <summary>The use class the gateway gave the channel (<see cref="Firmware.UseClass"/>).</summary>
        public int UseClass
        {
            get
            {
                lock (_state.Sync)
                {
                    return _state.UseClass;
                }
            }
        }

        /// <summary>The safety trip in force: null, "leak" or "burst" (until a `reset` command).</summary>
        public string Trip
        {
            get
            {
                lock (_state.Sync)
                {
                    return _state.Trip == 0 ? null : Protocol.Words.EventKinds[_state.Trip];
                }
            }
        }

        /// <summary>Why the local policy curtails the channel (<see cref="CutReason"/>), as of the last Tick.</summary>
        public int CutReason
        {
            get
            {
                lock (_state.Sync)
                {
                    return _state.Cut;
                }
            }
        }

        /// <summary>True while the output is curtailed: by the local policy or the gateway's last
        /// valve/relay command, as of the last Tick.</summary>
        public bool IsCurtailed
        {
            get
            {
                lock (_state.Sync)
                {
                    return _state.Cut != Firmware.CutReason.None || _state.CommandedCut;
                }
            }
        }

        /// <summary>Units used in the current allowance period; -1 without an allowance.</summary>
        public long AllowanceUsed
        {
            get
            {
                lock (_state.Sync)
                {
                    return _state.AllowancePeriodS > 0 ? _state.Register - _state.PeriodBaseline : -1;
                }
            }
        }

        internal DeviceChannelState State { get { return _state; } }
    }
}
