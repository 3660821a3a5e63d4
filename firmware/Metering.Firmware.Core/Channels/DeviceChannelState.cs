using System;

namespace Commons.Metering.Firmware
{
    /// <summary>The state behind every kind of channel. Guarded by the device's lock, which the
    /// public channel objects share, because pulses arrive on interrupt threads.</summary>
    internal sealed class DeviceChannelState
    {
        public const int KindPulse = 1;
        public const int KindRegister = 2;
        public const int KindAccumulator = 3;

        public readonly int Kind;
        public readonly string Name;
        public readonly byte[] NameBytes;
        public readonly byte[] UnitBytes;
        /// <summary>FNV-1a of name, a zero byte and unit: the channel's identity in flash.</summary>
        public readonly uint Hash;
        public readonly object Sync;

        public long Register;
        /// <summary>Pulse channels: the part of a unit not yet in <see cref="Register"/>, in
        /// 1/<see cref="PulsesDenominator"/> units (0 &lt;= Remainder &lt; denominator).</summary>
        public long Remainder;
        public long UnitsNumerator = 1;
        public long PulsesDenominator = 1;
        public long DebounceMs;
        public bool HasEdge;
        public long LastEdgeUptimeMs;
        /// <summary>Register channels: sampled since start (the meter's own value wins over recovery).</summary>
        public bool Sampled;

        // Local policy (docs/protocol.md, "Device autonomy"), persisted with the totals.
        public int UseClass = Firmware.UseClass.Standard;
        /// <summary>Allowance period in seconds; 0 = no allowance.</summary>
        public long AllowancePeriodS;
        public long AllowanceLimit;
        public long AllowanceStartUnixMs;
        /// <summary>Start of the allowance period the baseline belongs to (Unix ms).</summary>
        public long PeriodStartUnixMs;
        /// <summary>Register at the start of the current period: use = Register - PeriodBaseline.</summary>
        public long PeriodBaseline;
        public int LeakS;
        public long BurstPerMin;
        /// <summary>Safety trip: 0, or the event kind code of leak / burst; cleared only by `reset`.</summary>
        public int Trip;

        // Not persisted: wiring, the gateway's last explicit command, detection and the outputs.
        public int Output = ChannelOutput.None;
        public bool CommandedCut;
        /// <summary>Why the local policy curtails the channel now (<see cref="CutReason"/>).</summary>
        public int Cut;
        /// <summary>The output as last driven: 0 on, 1 curtailed, -1 not driven yet.</summary>
        public int Driven = -1;
        public readonly FlowWatch Flow = new FlowWatch();

        /// <summary>True when the channel has a policy worth persisting (anything but the defaults).</summary>
        public bool HasPolicy
        {
            get { return UseClass != Firmware.UseClass.Standard || AllowancePeriodS > 0 || LeakS > 0 || BurstPerMin > 0 || Trip != 0; }
        }

        public DeviceChannelState(int kind, string name, string unit, object sync)
        {
            Kind = kind;
            Name = name;
            NameBytes = Ascii.Bytes(name);
            UnitBytes = Ascii.Bytes(unit);
            Hash = HashOf(name, unit);
            Sync = sync;
        }

        /// <summary>Adds pulses: register += pulses * numerator / denominator, keeping the remainder
        /// so no fraction of a unit is ever lost or counted twice.</summary>
        public void AddPulses(long pulses)
        {
            if (pulses < 0)
            {
                throw new ArgumentOutOfRangeException("pulses");
            }
            long scaled = Remainder + pulses * UnitsNumerator;
            Register += scaled / PulsesDenominator;
            Remainder = scaled % PulsesDenominator;
        }

        public static uint HashOf(string name, string unit)
        {
            // FNV-1a 32-bit: offset basis 2166136261, prime 16777619 (IETF draft-eastlake-fnv).
            uint hash = 2166136261;
            for (int i = 0; i < name.Length; i++)
            {
                hash = (hash ^ name[i]) * 16777619;
            }
            hash *= 16777619; // the zero separator
            for (int i = 0; i < unit.Length; i++)
            {
                hash = (hash ^ unit[i]) * 16777619;
            }
            return hash;
        }
    }
}
