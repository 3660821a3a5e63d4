namespace Commons.Metering.Firmware.Drivers
{
    /// <summary>Cross-checks once everything is read: pins against the ESP32's rules and each
    /// other, channels against their sources, pins and outputs (gauges: DeviceSetupParser.Gauges.cs).</summary>
    public sealed partial class DeviceSetupParser
    {
        private string Validate(DeviceSetup s)
        {
            if (s.Board != Esp32Pins.BoardWrover && s.Board != "esp32-wroom")
            {
                return "board must be esp32-wrover or esp32-wroom";
            }
            if (s.Resource != null && s.Resource != "water" && s.Resource != "energy" && s.Resource != "forest")
            {
                return "resource must be water, energy or forest";
            }
            if (s.Variant == null || !Ascii.IsId(s.Variant))
            {
                return "variant is missing (e.g. water-node)";
            }
            for (int i = 0; i < s.PinCount; i++)
            {
                PinAssignment pin = s.Pins[i];
                string why = Esp32Pins.Check(s.Board, pin);
                if (why != null)
                {
                    return "pin " + pin.Role + ": " + why;
                }
                for (int j = 0; j < i; j++)
                {
                    if (s.Pins[j].Gpio == pin.Gpio)
                    {
                        return "GPIO" + pin.Gpio + " is used twice (" + s.Pins[j].Role + ", " + pin.Role + ")";
                    }
                    if (s.Pins[j].Role == pin.Role)
                    {
                        return "pin role " + pin.Role + " is declared twice";
                    }
                }
            }
            for (int i = 0; i < s.ChannelCount; i++)
            {
                string why = CheckChannel(s, s.Channels[i]);
                if (why != null)
                {
                    return "channel " + s.Channels[i].Name + ": " + why;
                }
                for (int j = 0; j < i; j++)
                {
                    if (s.Channels[j].Name == s.Channels[i].Name)
                    {
                        return "channel " + s.Channels[i].Name + " is declared twice";
                    }
                }
            }
            string gaugeError = ValidateGauges(s);
            if (gaugeError != null)
            {
                return gaugeError;
            }
            int scales = 0;
            for (int i = 0; i < s.ChannelCount; i++)
            {
                ChannelSpec c = s.Channels[i];
                if (c.Kind == ChannelSpec.KindAccumulator)
                {
                    if (++scales > 1)
                    {
                        return "one hx711 per board: at most one accumulator channel";
                    }
                    s.Scale.OffsetCounts = c.OffsetCounts;
                    s.Scale.GramsNumerator = c.GramsNumerator;
                    s.Scale.CountsDenominator = c.CountsDenominator;
                    if (c.Samples > 0)
                    {
                        s.ScaleSamples = c.Samples;
                    }
                }
            }
            if (s.SleepIntervalS > 0)
            {
                for (int i = 0; i < s.ChannelCount; i++)
                {
                    if (s.Channels[i].Kind == ChannelSpec.KindPulse)
                    {
                        // The PCNT and GPIO interrupts stop in deep sleep (docs/design.md, device constraints).
                        return "a sleeping node cannot count pulses (channel " + s.Channels[i].Name + ")";
                    }
                }
            }
            if (s.Config.ReconnectMinMs > s.Config.ReconnectMaxMs)
            {
                return "reconnect_min_ms is above reconnect_max_ms";
            }
            return null;
        }

        private static string CheckChannel(DeviceSetup s, ChannelSpec c)
        {
            if (!Ascii.IsChannelName(c.Name))
            {
                return "name must match ^[a-z0-9][a-z0-9_]{0,31}$";
            }
            string kind = c.Kind;
            string source = c.Source;
            if (kind == ChannelSpec.KindPulse)
            {
                if (source != ChannelSpec.SourcePcnt && source != ChannelSpec.SourceEdge)
                {
                    return "a pulse channel's source is pcnt or edge";
                }
                if (c.Unit != "mL" && c.Unit != "Wh")
                {
                    return "a pulse channel counts mL (water) or Wh (S0 energy)";
                }
                if (c.UnitsNumerator <= 0 || c.PulsesDenominator <= 0)
                {
                    return "units and pulses (the calibration ratio) are required";
                }
                PinAssignment pin = c.Pin == null ? null : s.PinOf(c.Pin);
                if (pin == null || !pin.IsInput)
                {
                    return "pin must name an input pin";
                }
                if (source == ChannelSpec.SourceEdge && c.DebounceMs == 0)
                {
                    return "an edge input (reed, S0) needs debounce_ms > 0";
                }
            }
            else if (kind == ChannelSpec.KindRegister)
            {
                if (source != ChannelSpec.SourcePzem || c.Unit != "Wh")
                {
                    return "a register channel reads Wh from the pzem";
                }
                if (!HasPin(s, "pzem_rx", true) || !HasPin(s, "pzem_tx", false))
                {
                    return "the pzem needs pins pzem_rx (in) and pzem_tx (out)";
                }
            }
            else if (kind == ChannelSpec.KindAccumulator)
            {
                if (source != ChannelSpec.SourceHx711 || c.Unit != "g")
                {
                    return "an accumulator channel books g from the hx711";
                }
                if (!HasPin(s, "hx711_dout", true) || !HasPin(s, "hx711_sck", false))
                {
                    return "the hx711 needs pins hx711_dout (in) and hx711_sck (out)";
                }
            }
            else
            {
                return "kind must be pulse, register or accumulator";
            }
            if (c.Valve != null && !HasPin(s, c.Valve, false))
            {
                return "valve must name an output pin";
            }
            if (c.Relay != null && !HasPin(s, c.Relay, false))
            {
                return "relay must name an output pin";
            }
            return null;
        }

        private static bool HasPin(DeviceSetup s, string role, bool input)
        {
            PinAssignment pin = s.PinOf(role);
            return pin != null && pin.IsInput == input;
        }
    }
}
