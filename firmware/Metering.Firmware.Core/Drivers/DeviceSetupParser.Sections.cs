using Commons.Metering.Firmware.Protocol;

namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>The array sections (pins, channels, permits) and the cross-checks.</summary>
    public sealed partial class DeviceSetupParser
    {
        private bool PinsSection(DeviceSetup s)
        {
            if (!_j.Consume('['))
            {
                return Fail("pins must be an array");
            }
            bool first = true;
            int next;
            while ((next = NextElement(ref first, "pins")) > 0)
            {
                if (s.PinCount == DeviceSetup.MaxPins)
                {
                    return Fail("at most " + DeviceSetup.MaxPins + " pins");
                }
                PinAssignment pin = new PinAssignment();
                pin.Gpio = -1;
                pin.Mode = -1;
                if (!Pin(pin))
                {
                    return false;
                }
                s.Pins[s.PinCount++] = pin;
            }
            return next == 0;
        }

        private bool Pin(PinAssignment pin)
        {
            if (!_j.Consume('{'))
            {
                return Fail("each pin must be an object");
            }
            bool first = true;
            string key;
            int next;
            long n;
            while ((next = NextKey(ref first, "pins[]", out key)) > 0)
            {
                bool ok;
                if (key == "role") { ok = Text("pins[].role", Limits.MaxChannelNameLength, out pin.Role); }
                else if (key == "gpio") { ok = Int("pins[].gpio", 0, 39, out n); pin.Gpio = (int)n; }
                else if (key == "mode")
                {
                    string mode;
                    ok = Text("pins[].mode", 16, out mode);
                    pin.Mode = ok ? IndexOf(PinAssignment.ModeNames, mode) : -1;
                    ok = ok && (pin.Mode >= 0 || Fail("pins[].mode must be in, in_pullup, in_pulldown or out"));
                }
                else if (key == "note") { ok = Skip(); }
                else { ok = Fail("unknown key \"" + key + "\" in pins[]"); }
                if (!ok)
                {
                    return false;
                }
            }
            if (next < 0)
            {
                return false;
            }
            if (!Ascii.IsChannelName(pin.Role) || pin.Gpio < 0 || pin.Mode < 0)
            {
                return Fail("each pin needs role (^[a-z0-9][a-z0-9_]*$), gpio and mode");
            }
            return true;
        }

        private bool ChannelsSection(DeviceSetup s)
        {
            if (!_j.Consume('['))
            {
                return Fail("channels must be an array");
            }
            bool first = true;
            int next;
            while ((next = NextElement(ref first, "channels")) > 0)
            {
                if (s.ChannelCount == Limits.MaxChannels)
                {
                    return Fail("at most " + Limits.MaxChannels + " channels (docs/protocol.md)");
                }
                ChannelSpec channel = new ChannelSpec();
                if (!Channel(channel))
                {
                    return false;
                }
                s.Channels[s.ChannelCount++] = channel;
            }
            return next == 0;
        }

        private bool Channel(ChannelSpec c)
        {
            if (!_j.Consume('{'))
            {
                return Fail("each channel must be an object");
            }
            bool first = true;
            string key;
            int next;
            long n;
            while ((next = NextKey(ref first, "channels[]", out key)) > 0)
            {
                bool ok;
                if (key == "name") { ok = Text("channels[].name", Limits.MaxChannelNameLength, out c.Name); }
                else if (key == "kind") { ok = Text("channels[].kind", 16, out c.Kind); }
                else if (key == "unit") { ok = Text("channels[].unit", 4, out c.Unit); }
                else if (key == "source") { ok = Text("channels[].source", 16, out c.Source); }
                else if (key == "pin") { ok = Text("channels[].pin", Limits.MaxChannelNameLength, out c.Pin); }
                else if (key == "valve") { ok = Text("channels[].valve", Limits.MaxChannelNameLength, out c.Valve); }
                else if (key == "relay") { ok = Text("channels[].relay", Limits.MaxChannelNameLength, out c.Relay); }
                else if (key == "units") { ok = Int("channels[].units", 1, int.MaxValue, out n); c.UnitsNumerator = n; }
                else if (key == "pulses") { ok = Int("channels[].pulses", 1, int.MaxValue, out n); c.PulsesDenominator = n; }
                else if (key == "debounce_ms") { ok = Int("channels[].debounce_ms", 0, 10000, out n); c.DebounceMs = (int)n; }
                else if (key == "offset_counts") { ok = Int("channels[].offset_counts", Hx711.MinCounts, Hx711.MaxCounts, out n); c.OffsetCounts = n; }
                else if (key == "grams_numerator") { ok = Int("channels[].grams_numerator", -MaxGrams, MaxGrams, out n); c.GramsNumerator = n; }
                else if (key == "counts_denominator") { ok = Int("channels[].counts_denominator", 1, 1L << 25, out n); c.CountsDenominator = n; }
                else if (key == "samples") { ok = Int("channels[].samples", 1, 64, out n); c.Samples = (int)n; }
                else if (key == "note") { ok = Skip(); }
                else { ok = Fail("unknown key \"" + key + "\" in channels[]"); }
                if (!ok)
                {
                    return false;
                }
            }
            return next == 0;
        }

        /// <summary>A 100 t reference weight: far beyond any platform scale, and the product in
        /// LoadCellCalibration.TryGrams stays inside 64 bits.</summary>
        private const long MaxGrams = 100000000000L;

        private bool PermitsSection(DeviceSetup s)
        {
            if (!_j.Consume('['))
            {
                return Fail("permits must be an array");
            }
            bool first = true;
            int next;
            while ((next = NextElement(ref first, "permits")) > 0)
            {
                if (s.PermitCount == DeviceSetup.MaxPermits)
                {
                    return Fail("at most " + DeviceSetup.MaxPermits + " permits");
                }
                string uid = null, permit = null;
                if (!_j.Consume('{'))
                {
                    return Fail("each permit must be an object");
                }
                bool inner = true;
                string key;
                int field;
                while ((field = NextKey(ref inner, "permits[]", out key)) > 0)
                {
                    bool ok = key == "uid" ? Text("permits[].uid", 20, out uid)
                        : key == "permit" ? Text("permits[].permit", Limits.MaxPermitLength, out permit)
                        : Fail("unknown key \"" + key + "\" in permits[]");
                    if (!ok)
                    {
                        return false;
                    }
                }
                if (field < 0)
                {
                    return false;
                }
                if (!IsUid(uid) || !Ascii.IsToken(permit))
                {
                    return Fail("each permit needs uid (upper-case hex, 4/7/10 bytes) and permit (^[A-Za-z0-9_-]{1,32}$)");
                }
                s.PermitUids[s.PermitCount] = uid;
                s.PermitIds[s.PermitCount] = permit;
                s.PermitCount++;
            }
            return next == 0;
        }

        /// <summary>ISO 14443-3 UIDs are 4, 7 or 10 bytes.</summary>
        private static bool IsUid(string hex)
        {
            if (hex == null || (hex.Length != 8 && hex.Length != 14 && hex.Length != 20))
            {
                return false;
            }
            for (int i = 0; i < hex.Length; i++)
            {
                char c = hex[i];
                if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')))
                {
                    return false;
                }
            }
            return true;
        }

        private static int IndexOf(string[] words, string word)
        {
            for (int i = 0; i < words.Length; i++)
            {
                if (words[i] == word)
                {
                    return i;
                }
            }
            return -1;
        }
    }
}
