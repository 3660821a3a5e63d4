using System;
using Commons.Metering.Firmware.Platform;
using Commons.Metering.Firmware.Protocol;
using Commons.Metering.Firmware.Session;
using Commons.Metering.Firmware.Storage;

namespace Commons.Metering.Firmware
{
    /// <summary>One metering device: its channels, persisted totals, outbox and MQTT session.
    /// Wire it to a clock, a block store, an MQTT transport and a random source; add channels;
    /// call <see cref="Start"/> once, then <see cref="Tick"/> often from one loop thread. Pulses,
    /// samples, bookings and readings may come from any thread.</summary>
    public sealed partial class MeterDevice
    {
        private readonly IClock _clock;
        private readonly IBlockStore _store;
        private readonly object _sync = new object();

        private readonly byte[] _firmware;
        private readonly int _readingIntervalMs;
        private readonly int _persistIntervalMs;
        private readonly int _outboxCapacity;
        private readonly int _maxInflight;

        private readonly DeviceChannelState[] _channels = new DeviceChannelState[Limits.MaxChannels];
        private int _channelCount;
        private bool _started;

        public MeterDevice(DeviceConfig config, IClock clock, IBlockStore store, IMqttTransport transport, IRandom random)
        {
            if (config == null) { throw new ArgumentNullException("config"); }
            if (clock == null) { throw new ArgumentNullException("clock"); }
            if (store == null) { throw new ArgumentNullException("store"); }
            if (transport == null) { throw new ArgumentNullException("transport"); }
            if (random == null) { throw new ArgumentNullException("random"); }
            Validate(config);
            _clock = clock;
            _store = store;
            _firmware = Ascii.Bytes(config.FirmwareVersion);
            _readingIntervalMs = config.ReadingIntervalMs;
            _persistIntervalMs = config.PersistIntervalMs;
            _outboxCapacity = config.OutboxCapacity;
            _maxInflight = config.MaxInflight;
            // Thinning and the last-resort drop need records that are neither in flight nor waiting
            // for a confirmation: a small outbox gets a smaller unconfirmed window.
            int maxUnconfirmed = config.MaxUnconfirmed < config.OutboxCapacity - 4 ? config.MaxUnconfirmed : config.OutboxCapacity - 4;
            _confirmation = new ConfirmationTracker(config.MaxInflight, maxUnconfirmed, config.ConfirmTimeoutMs);
            _seqFloor = config.SeqFloor;

            _topics = new DeviceTopics(config.Community, config.MeterId);
            _session = new MqttSession(transport, config.MeterId, _topics,
                new ReconnectBackoff(config.ReconnectMinMs, config.ReconnectMaxMs, random));
            // Acks can be outstanding for the window plus the status publish; 16 spare.
            _inbox = new TransportInbox(_topics.Command, _topics.Confirm, 2 * _maxInflight + 16);
            _session.Listen(_inbox);
        }

        /// <summary>Pending uplinks (readings, events, acks) not yet confirmed by the gateway (or, while
        /// it has never confirmed, acknowledged by the broker).</summary>
        public int OutboxDepth
        {
            get
            {
                lock (_sync)
                {
                    return _outbox == null ? 0 : _outbox.Count;
                }
            }
        }

        /// <summary>True while the session is up (connected, subscribed, status published).</summary>
        public bool IsConnected { get { return _session.IsUp; } }

        /// <summary>The last sequence number given to an uplink (0 before the first).</summary>
        public long LastSeq
        {
            get
            {
                lock (_sync)
                {
                    return _seq.LastUsed;
                }
            }
        }

        /// <summary>Boots counted in flash, this one included (the status payload's `boot`).</summary>
        public int BootCount
        {
            get
            {
                lock (_sync)
                {
                    return _bootCount;
                }
            }
        }

        /// <summary>`commons/v1/{community}/{meter}`: the prefix of every topic of this device.</summary>
        public string TopicRoot { get { return _topics.Root; } }

        public PulseChannel AddPulseChannel(string name, string unit, long unitsNumerator, long pulsesDenominator, int debounceMs)
        {
            if (unitsNumerator <= 0 || pulsesDenominator <= 0)
            {
                throw new ArgumentOutOfRangeException("unitsNumerator", "calibration terms must be positive");
            }
            if (debounceMs < 0)
            {
                throw new ArgumentOutOfRangeException("debounceMs");
            }
            DeviceChannelState state = AddChannel(DeviceChannelState.KindPulse, name, unit);
            state.UnitsNumerator = unitsNumerator;
            state.PulsesDenominator = pulsesDenominator;
            state.DebounceMs = debounceMs;
            return new PulseChannel(state);
        }

        public RegisterChannel AddRegisterChannel(string name, string unit)
        {
            return new RegisterChannel(AddChannel(DeviceChannelState.KindRegister, name, unit));
        }

        public AccumulatorChannel AddAccumulatorChannel(string name, string unit)
        {
            return new AccumulatorChannel(AddChannel(DeviceChannelState.KindAccumulator, name, unit));
        }

        public void SetCommandHandler(ICommandHandler handler)
        {
            _handler = handler;
        }

        private DeviceChannelState AddChannel(int kind, string name, string unit)
        {
            if (!Ascii.IsChannelName(name))
            {
                throw new ArgumentException("channel names match ^[a-z0-9][a-z0-9_]{0,31}$", "name");
            }
            if (Words.IndexOf(Words.Units, unit) < 0)
            {
                throw new ArgumentException("unit must be mL, Wh or g (docs/protocol.md)", "unit");
            }
            lock (_sync)
            {
                if (_started)
                {
                    throw new InvalidOperationException("add channels before Start");
                }
                if (_channelCount == Limits.MaxChannels)
                {
                    throw new InvalidOperationException("at most 16 channels (docs/protocol.md)");
                }
                int worst = WorstReadingBytes(name, unit);
                for (int i = 0; i < _channelCount; i++)
                {
                    if (_channels[i].Name == name)
                    {
                        throw new ArgumentException("channel names are unique", "name");
                    }
                    worst += WorstChannelBytes(_channels[i].NameBytes.Length, _channels[i].UnitBytes.Length) + 1;
                }
                if (worst > Limits.MaxPayloadBytes)
                {
                    throw new InvalidOperationException("a reading of these channels could exceed 1024 bytes");
                }
                DeviceChannelState state = new DeviceChannelState(kind, name, unit, _sync);
                _channels[_channelCount++] = state;
                return state;
            }
        }

        /// <summary>Largest reading with this one channel: fixed parts with 19-digit seq and ts,
        /// a 32-character permit, and the channel with a 19-digit register.</summary>
        private static int WorstReadingBytes(string name, string unit)
        {
            const int Fixed = 13 + 19 + 6 + 19 + 7 + 1 + 11 + Limits.MaxPermitLength + 1 + 1;
            return Fixed + WorstChannelBytes(name.Length, unit.Length);
        }

        private static int WorstChannelBytes(int nameLength, int unitLength)
        {
            return 6 + nameLength + 7 + unitLength + 8 + 19 + 1;
        }

        private int IndexOfChannel(DeviceChannelState state)
        {
            for (int i = 0; i < _channelCount; i++)
            {
                if (_channels[i] == state)
                {
                    return i;
                }
            }
            return -1;
        }

        private int IndexOfHash(uint hash)
        {
            for (int i = 0; i < _channelCount; i++)
            {
                if (_channels[i].Hash == hash)
                {
                    return i;
                }
            }
            return -1;
        }

        private static void Validate(DeviceConfig c)
        {
            if (!Ascii.IsId(c.Community) || !Ascii.IsId(c.MeterId))
            {
                throw new ArgumentException("community and meter ids match ^[a-z0-9][a-z0-9_-]{0,47}$");
            }
            if (c.FirmwareVersion == null || c.FirmwareVersion.Length == 0
                || !Ascii.IsPlainText(c.FirmwareVersion, Limits.MaxFirmwareVersionLength))
            {
                throw new ArgumentException("firmware version: 1-32 printable ASCII characters, no quotes");
            }
            if (c.ReadingIntervalMs <= 0 || c.PersistIntervalMs <= 0 || c.ReconnectMinMs <= 0 || c.ReconnectMaxMs < c.ReconnectMinMs)
            {
                throw new ArgumentException("intervals must be positive and ReconnectMaxMs >= ReconnectMinMs");
            }
            if (c.MaxInflight < 1 || c.OutboxCapacity < c.MaxInflight + 4 || c.OutboxCapacity > 4096)
            {
                throw new ArgumentException("MaxInflight >= 1 and MaxInflight + 4 <= OutboxCapacity <= 4096");
            }
            if (c.SeqFloor < 0 || c.SeqFloor > Limits.MaxSeqFloor)
            {
                throw new ArgumentException("SeqFloor: 0 to 2^53");
            }
            if (c.MaxUnconfirmed < c.MaxInflight || c.ConfirmTimeoutMs <= 0)
            {
                throw new ArgumentException("MaxUnconfirmed >= MaxInflight and ConfirmTimeoutMs > 0");
            }
        }
    }
}
