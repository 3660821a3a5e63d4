using Commons.Metering.Firmware.Protocol;

namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>Reads the device configuration file (I:\config.json on the ESP32) and the pin maps
    /// of hardware/pinmaps into a <see cref="DeviceSetup"/>. Strict: an unknown key, a wrong type, a
    /// pin used twice or a pin the ESP32 cannot give is an error naming the key, so a technician's
    /// typo stops the boot with a message instead of a silently dead input. The format is in
    /// firmware/README.md. Runs once at boot; allocation does not matter here.</summary>
    public sealed partial class DeviceSetupParser
    {
        private const int KeyCapacity = 32;

        /// <summary>WPA2 passphrases are at most 63 characters; hosts and notes fit too.</summary>
        private const int TextCapacity = 128;

        private readonly JsonCursor _j = new JsonCursor();
        private readonly char[] _key = new char[KeyCapacity];
        private readonly char[] _text = new char[TextCapacity];
        private string _error;
        private bool _sawVersion;

        /// <summary>Null on success, else a message for the technician.</summary>
        public string Parse(byte[] text, int count, DeviceSetup into)
        {
            _j.Reset(text, count);
            _error = null;
            _sawVersion = false;
            if (!_j.Consume('{'))
            {
                return "the configuration is not a JSON object";
            }
            bool first = true;
            string key;
            int next;
            while ((next = NextKey(ref first, "top level", out key)) > 0)
            {
                if (!TopLevel(key, into))
                {
                    return _error;
                }
            }
            if (next < 0)
            {
                return _error;
            }
            if (!_j.AtEnd)
            {
                return "text after the configuration object";
            }
            if (!_sawVersion)
            {
                return "\"v\": 1 is missing";
            }
            return Validate(into);
        }

        private bool TopLevel(string key, DeviceSetup s)
        {
            DeviceConfig c = s.Config;
            long n;
            if (key == "v")
            {
                _sawVersion = true;
                return Int(key, 1, 1, out n);
            }
            if (key == "description") { return Skip(); }
            if (key == "board") { return Text(key, 32, out s.Board); }
            if (key == "variant") { return Text(key, 32, out s.Variant); }
            if (key == "resource") { return Text(key, 16, out s.Resource); }
            if (key == "community") { return Text(key, Limits.MaxIdLength, out c.Community); }
            if (key == "meter") { return Text(key, Limits.MaxIdLength, out c.MeterId); }
            if (key == "firmware") { return Text(key, Limits.MaxFirmwareVersionLength, out c.FirmwareVersion); }
            if (key == "reading_interval_ms") { return IntField(key, 1000, int.MaxValue, ref c.ReadingIntervalMs); }
            if (key == "persist_interval_ms") { return IntField(key, 1000, int.MaxValue, ref c.PersistIntervalMs); }
            if (key == "outbox_capacity") { return IntField(key, 8, 4096, ref c.OutboxCapacity); }
            if (key == "max_inflight") { return IntField(key, 1, 16, ref c.MaxInflight); }
            if (key == "reconnect_min_ms") { return IntField(key, 100, int.MaxValue, ref c.ReconnectMinMs); }
            if (key == "reconnect_max_ms") { return IntField(key, 100, int.MaxValue, ref c.ReconnectMaxMs); }
            if (key == "seq_floor") { return Int(key, 0, Limits.MaxSeqFloor, out c.SeqFloor); }
            if (key == "watchdog_ms") { return IntField(key, 5000, int.MaxValue, ref s.WatchdogMs); }
            if (key == "wifi") { return Wifi(s); }
            if (key == "mqtt") { return Mqtt(s); }
            if (key == "sleep") { return Sleep(s); }
            if (key == "pzem") { return PzemSection(s); }
            if (key == "pins") { return PinsSection(s); }
            if (key == "channels") { return ChannelsSection(s); }
            if (key == "permits") { return PermitsSection(s); }
            if (key == "gauges") { return GaugesSection(s); }
            return Fail("unknown key \"" + key + "\" at the top level");
        }

        private bool Wifi(DeviceSetup s)
        {
            return Object("wifi", s, 0);
        }

        private bool Mqtt(DeviceSetup s)
        {
            return Object("mqtt", s, 1);
        }

        private bool Sleep(DeviceSetup s)
        {
            return Object("sleep", s, 2);
        }

        private bool PzemSection(DeviceSetup s)
        {
            return Object("pzem", s, 3);
        }

        /// <summary>The small flat sections, one key set each.</summary>
        private bool Object(string where, DeviceSetup s, int section)
        {
            if (!_j.Consume('{'))
            {
                return Fail(where + " must be an object");
            }
            bool first = true;
            string key;
            int next;
            while ((next = NextKey(ref first, where, out key)) > 0)
            {
                if (!SectionKey(where, section, key, s))
                {
                    return false;
                }
            }
            return next == 0;
        }

        private bool SectionKey(string where, int section, string key, DeviceSetup s)
        {
            switch (section)
            {
                case 0:
                    if (key == "ssid") { return Text("wifi.ssid", 32, out s.WifiSsid); }
                    if (key == "password") { return Text("wifi.password", 63, out s.WifiPassword); }
                    break;
                case 1:
                    if (key == "host") { return Text("mqtt.host", 64, out s.MqttHost); }
                    if (key == "port") { return IntField("mqtt.port", 1, 65535, ref s.MqttPort); }
                    if (key == "servers") { return MqttServers(s); }
                    if (key == "user") { return Text("mqtt.user", 64, out s.MqttUser); }
                    if (key == "password") { return Text("mqtt.password", 64, out s.MqttPassword); }
                    break;
                case 2:
                    if (key == "interval_s") { return IntField("sleep.interval_s", 0, 86400, ref s.SleepIntervalS); }
                    if (key == "awake_max_s") { return IntField("sleep.awake_max_s", 5, 3600, ref s.AwakeMaxS); }
                    break;
                case 3:
                    if (key == "address") { return IntField("pzem.address", 1, Pzem004t.GeneralAddress, ref s.PzemAddress); }
                    break;
            }
            return Fail("unknown key \"" + key + "\" in " + where);
        }

        // ---- reading helpers -------------------------------------------------------------

        /// <summary>1 = a key was read (cursor after the colon), 0 = the object closed, -1 = error.</summary>
        private int NextKey(ref bool first, string where, out string key)
        {
            key = null;
            if (first && _j.Consume('}'))
            {
                return 0;
            }
            if (!first)
            {
                if (_j.Consume('}'))
                {
                    return 0;
                }
                if (!_j.Consume(','))
                {
                    Fail(where + ": expected ',' or '}'");
                    return -1;
                }
            }
            first = false;
            int length = _j.ReadString(_key);
            if (length < 0 || length > _key.Length || !_j.Consume(':'))
            {
                Fail(where + ": expected \"key\":");
                return -1;
            }
            key = new string(_key, 0, length);
            return 1;
        }

        /// <summary>1 = an element follows, 0 = the array closed, -1 = error.</summary>
        private int NextElement(ref bool first, string where)
        {
            if (_j.Consume(']'))
            {
                return 0;
            }
            if (!first && !_j.Consume(','))
            {
                Fail(where + ": expected ',' or ']'");
                return -1;
            }
            first = false;
            return 1;
        }

        private bool Text(string where, int maxLength, out string value)
        {
            value = null;
            int length = _j.ReadString(_text);
            if (length < 0)
            {
                return Fail(where + " must be a string");
            }
            if (length > maxLength || length > _text.Length)
            {
                return Fail(where + " is longer than " + maxLength + " characters");
            }
            value = new string(_text, 0, length);
            return true;
        }

        private bool Int(string where, long min, long max, out long value)
        {
            if (_j.ReadInt64(out value) != JsonCursor.NumberOk)
            {
                return Fail(where + " must be an integer");
            }
            if (value < min || value > max)
            {
                return Fail(where + " must be in " + min + ".." + max);
            }
            return true;
        }

        private bool IntField(string where, int min, int max, ref int field)
        {
            long value;
            if (!Int(where, min, max, out value))
            {
                return false;
            }
            field = (int)value;
            return true;
        }

        private bool Skip()
        {
            return _j.SkipValue(1) || Fail("malformed value");
        }

        private bool Fail(string message)
        {
            if (_error == null)
            {
                _error = message;
            }
            return false;
        }
    }
}
