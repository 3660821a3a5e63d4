using System;
using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware
{
    /// <summary>Device autonomy (docs/protocol.md, "Device autonomy"): the local policy the gateway
    /// pushes (use classes, allowances, stage, safety thresholds), kept in the totals record so a
    /// power cut leaves the old or the new policy, never a torn one; leak and burst trips; the
    /// outputs it drives through the <see cref="ICommandHandler"/>.</summary>
    public sealed partial class MeterDevice
    {
        private int _stage;
        private int _stageCurtail = UseClass.None;
        private readonly int[] _want = new int[Limits.MaxChannels];

        /// <summary>The shortage stage last commanded (0-3), persisted.</summary>
        public int Stage
        {
            get
            {
                lock (_sync)
                {
                    return _stage;
                }
            }
        }

        /// <summary>Says what the channel's curtailment drives: <see cref="ChannelOutput.Valve"/> or
        /// <see cref="ChannelOutput.Relay"/> (through the command handler). Before Start.</summary>
        public void SetOutput(MeterChannel channel, int output)
        {
            if (channel == null)
            {
                throw new ArgumentNullException("channel");
            }
            if (output < ChannelOutput.None || output > ChannelOutput.Relay)
            {
                throw new ArgumentOutOfRangeException("output");
            }
            lock (_sync)
            {
                if (_started)
                {
                    throw new InvalidOperationException("set outputs before Start");
                }
                if (IndexOfChannel(channel.State) < 0)
                {
                    throw new ArgumentException("not a channel of this device", "channel");
                }
                channel.State.Output = output;
            }
        }

        /// <summary>Under the lock, every Tick: period roll-over by device time, leak and burst
        /// detection on untripped channels; a change is persisted, a trip before its event.</summary>
        private void GuardStep(long up, long unix)
        {
            bool changed = false;
            for (int c = 0; c < _channelCount; c++)
            {
                DeviceChannelState s = _channels[c];
                if (LocalPolicy.RollOver(s, unix))
                {
                    changed = true;
                }
                if (s.Trip != 0 || (s.LeakS == 0 && s.BurstPerMin == 0))
                {
                    continue;
                }
                int trip = s.Flow.Step(s.Register, up, s.LeakS, s.BurstPerMin);
                if (trip == 0)
                {
                    continue;
                }
                s.Trip = trip;
                Persist(_seq.ReservedThrough); // the trip holds even if the power goes now
                changed = false;
                if (unix != 0 || !_held.IsFull)
                {
                    bool leak = trip == EventKind.Leak;
                    int length = OutboxRecord.Event(_record, (byte)trip, s.Name, leak ? "flow_ms " : "per_min ", true,
                        leak ? s.Flow.FlowMs : s.Flow.RatePerMin);
                    Emit(_record, length, 0, up);
                }
            }
            if (changed)
            {
                Persist(_seq.ReservedThrough);
            }
        }

        /// <summary>From the Tick thread: decides every channel and drives the outputs that
        /// changed, outside the lock (ICommandHandler contract).</summary>
        private void DriveOutputs()
        {
            ICommandHandler handler = _handler;
            lock (_sync)
            {
                for (int c = 0; c < _channelCount; c++)
                {
                    DeviceChannelState s = _channels[c];
                    s.Cut = LocalPolicy.Decide(s, _stageCurtail);
                    _want[c] = s.Cut != CutReason.None || s.CommandedCut ? 1 : 0;
                }
            }
            if (handler == null)
            {
                return;
            }
            for (int c = 0; c < _channelCount; c++)
            {
                DeviceChannelState s = _channels[c];
                if (_want[c] == s.Driven || s.Output == ChannelOutput.None)
                {
                    continue;
                }
                bool cut = _want[c] == 1;
                bool done = s.Output == ChannelOutput.Valve ? handler.ApplyValve(s.Name, !cut) : handler.ApplyRelay(s.Name, cut);
                if (done)
                {
                    s.Driven = _want[c];
                }
            }
        }

        /// <summary>allowance, stage, safety, reset: the core's own; persisted before the ack.</summary>
        private byte ApplyPolicy(Command c, long unix)
        {
            lock (_sync)
            {
                if (c.Op == CommandOp.Stage)
                {
                    _stage = c.Stage;
                    _stageCurtail = c.Curtail >= 0 ? c.Curtail : UseClass.DefaultCurtail(c.Stage);
                    Persist(_seq.ReservedThrough);
                    return AckReason.None;
                }
                int i = IndexOfName(c.Channel);
                if (i < 0)
                {
                    return AckReason.BadField;
                }
                DeviceChannelState s = _channels[i];
                if (c.Op == CommandOp.Allowance)
                {
                    s.AllowanceLimit = c.Limit;
                    // Our bound: a period of at most ~100 years keeps period_s * 1000 in range.
                    s.AllowancePeriodS = c.PeriodS > 3153600000L ? 3153600000L : c.PeriodS;
                    s.AllowanceStartUnixMs = c.StartUnixMs;
                    s.PeriodStartUnixMs = LocalPolicy.PeriodStart(unix, c.StartUnixMs, s.AllowancePeriodS);
                    s.PeriodBaseline = s.Register - c.Used;
                    if (c.UseClass != 0)
                    {
                        s.UseClass = c.UseClass;
                    }
                }
                else if (c.Op == CommandOp.Safety)
                {
                    s.LeakS = c.LeakS;
                    s.BurstPerMin = c.BurstPerMin;
                }
                else
                {
                    s.Trip = 0; // reset: a technician cleared the trip
                    s.Flow.Clear();
                }
                Persist(_seq.ReservedThrough);
                return AckReason.None;
            }
        }

        /// <summary>valve / relay: the gateway's explicit word, on top of the local policy (a
        /// local curtailment is not lifted by it). Not persisted.</summary>
        private byte ApplyOutput(Command c, ICommandHandler handler)
        {
            bool valve = c.Op == CommandOp.Valve;
            DeviceChannelState s;
            bool cut;
            lock (_sync)
            {
                int i = IndexOfName(c.Channel);
                if (i < 0)
                {
                    return AckReason.BadField;
                }
                s = _channels[i];
                cut = (valve ? !c.Open : c.Open) || LocalPolicy.Decide(s, _stageCurtail) != CutReason.None;
            }
            bool done = valve ? handler.ApplyValve(c.Channel, !cut) : handler.ApplyRelay(c.Channel, cut);
            if (!done)
            {
                return AckReason.BadField;
            }
            lock (_sync)
            {
                s.CommandedCut = valve ? !c.Open : c.Open;
                s.Driven = cut ? 1 : 0;
                if (s.Output == ChannelOutput.None)
                {
                    s.Output = valve ? ChannelOutput.Valve : ChannelOutput.Relay; // learnt from the command
                }
            }
            return AckReason.None;
        }

        private int IndexOfName(string name)
        {
            for (int i = 0; i < _channelCount; i++)
            {
                if (_channels[i].Name == name)
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
