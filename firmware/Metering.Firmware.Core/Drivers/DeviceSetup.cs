namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>Everything a board needs to start, as read from the configuration file on I:\
    /// (or from a pin map in hardware/pinmaps, which holds the board, variant, pins and channels
    /// but no identity, network or secrets). Filled by <see cref="DeviceSetupParser"/>.</summary>
    public sealed class DeviceSetup
    {
        public const int MaxPins = 24;
        public const int MaxPermits = 32;

        public string Board;

        /// <summary>water, energy or forest (docs/protocol.md, the resource a meter measures); optional.</summary>
        public string Resource;
        public string Variant;

        /// <summary>The core's configuration; Community and MeterId stay null in a pin map.</summary>
        public DeviceConfig Config = new DeviceConfig();

        public readonly ChannelSpec[] Channels = new ChannelSpec[Limits.MaxChannels];
        public int ChannelCount;

        /// <summary>Instantaneous quantities (a tank level, a pressure, a battery voltage) and the sensor of each.</summary>
        public readonly GaugeSpec[] Gauges = new GaugeSpec[Limits.MaxGauges];
        public int GaugeCount;

        public readonly PinAssignment[] Pins = new PinAssignment[MaxPins];
        public int PinCount;

        public string WifiSsid;
        public string WifiPassword;
        public string MqttHost;
        public int MqttPort = 1883;
        public string MqttUser;

        /// <summary>Most entries of mqtt.servers (our choice: a cluster has three nodes; more are
        /// reached through a DNS name).</summary>
        public const int MaxMqttServers = 4;

        /// <summary>mqtt.servers ("host1:port1,host2:port2"), tried in turn; when given it replaces
        /// mqtt.host and mqtt.port. Read them through <see cref="BrokerCount"/>, <see cref="BrokerHost"/>
        /// and <see cref="BrokerPort"/>.</summary>
        public readonly string[] MqttServerHosts = new string[MaxMqttServers];
        public readonly int[] MqttServerPorts = new int[MaxMqttServers];
        public int MqttServerCount;

        /// <summary>The brokers the transport tries in turn: mqtt.servers, else mqtt.host:mqtt.port.</summary>
        public int BrokerCount
        {
            get { return MqttServerCount > 0 ? MqttServerCount : (MqttHost == null || MqttHost.Length == 0 ? 0 : 1); }
        }

        public string BrokerHost(int index)
        {
            return MqttServerCount > 0 ? MqttServerHosts[index] : MqttHost;
        }

        public int BrokerPort(int index)
        {
            return MqttServerCount > 0 ? MqttServerPorts[index] : MqttPort;
        }
        public string MqttPassword;

        /// <summary>The software watchdog reboots the board when the main loop has not come back for
        /// this long. It must exceed the longest blocking call inside Tick: an MQTT connect to an
        /// unreachable broker (TCP connect timeout plus M2Mqtt's 30 s CONNACK timeout), else a
        /// broker outage becomes a reboot loop. Three minutes leaves that margin.</summary>
        public int WatchdogMs = 180000;

        /// <summary>Battery nodes: deep sleep this long between wakes; 0 = mains powered, never sleeps.</summary>
        public int SleepIntervalS;

        /// <summary>Battery nodes: stay awake at most this long per wake (connect, publish, drain).</summary>
        public int AwakeMaxS = 60;

        /// <summary>PZEM-004T Modbus address (datasheet: 0x01..0xF7, 0xF8 = the only slave).</summary>
        public int PzemAddress = Pzem004t.GeneralAddress;

        /// <summary>The HX711's calibration, from the accumulator channel's fields.</summary>
        public LoadCellCalibration Scale = new LoadCellCalibration();

        /// <summary>HX711 conversions combined per weighing (their median): 15 at 10 SPS is 1.5 s,
        /// long enough to ride out a platform still swinging from the load.</summary>
        public int ScaleSamples = 15;

        /// <summary>Permit cards: UID as upper-case hex (e.g. "04A1B2C3") and the permit it carries.</summary>
        public readonly string[] PermitUids = new string[MaxPermits];
        public readonly string[] PermitIds = new string[MaxPermits];
        public int PermitCount;

        /// <summary>GPIO of the pin with this role, or -1.</summary>
        public int GpioOf(string role)
        {
            PinAssignment pin = PinOf(role);
            return pin == null ? -1 : pin.Gpio;
        }

        public PinAssignment PinOf(string role)
        {
            for (int i = 0; i < PinCount; i++)
            {
                if (Pins[i].Role == role)
                {
                    return Pins[i];
                }
            }
            return null;
        }

        /// <summary>The permit id of a card, or null for an unknown card.</summary>
        public string PermitFor(string uidHex)
        {
            for (int i = 0; i < PermitCount; i++)
            {
                if (PermitUids[i] == uidHex)
                {
                    return PermitIds[i];
                }
            }
            return null;
        }

        /// <summary>A card UID as the configuration spells it: upper-case hex, no separators.</summary>
        public static string UidToHex(byte[] uid, int count)
        {
            const string digits = "0123456789ABCDEF";
            char[] text = new char[2 * count];
            for (int i = 0; i < count; i++)
            {
                text[2 * i] = digits[uid[i] >> 4];
                text[2 * i + 1] = digits[uid[i] & 0x0F];
            }
            return new string(text);
        }

        /// <summary>Null when this setup can run a device (identity, network, channels or gauges present),
        /// else what is missing. A pin map alone is not enough.</summary>
        public string CheckDeployable()
        {
            if (!Ascii.IsId(Config.Community) || !Ascii.IsId(Config.MeterId))
            {
                return "community and meter must be set (^[a-z0-9][a-z0-9_-]{0,47}$)";
            }
            if (WifiSsid == null || WifiSsid.Length == 0)
            {
                return "wifi.ssid is missing";
            }
            if (BrokerCount == 0)
            {
                return "mqtt.host (or mqtt.servers) is missing";
            }
            if (ChannelCount == 0 && GaugeCount == 0)
            {
                return "no channels and no gauges";
            }
            return null;
        }
    }
}
