using System.Device.Gpio;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>Valve and relay outputs, driven by the core (its local policy and the gateway's
    /// valve/relay commands). Fail-safe wiring (hardware/actuators): a normally-open valve and
    /// loads on the relay's normally-closed contact, so an unpowered or rebooting board leaves
    /// water and power ON (docs/design.md, rule 6: fails safe, essential stays on). Hence pin HIGH =
    /// energised = curtailed: valve closed, relay circuit open. The core re-drives a persisted
    /// safety trip at its first Tick after a reboot.</summary>
    internal sealed class Outputs : ICommandHandler
    {
        private readonly DeviceSetup _setup;
        private readonly GpioPin[] _valves;
        private readonly GpioPin[] _relays;

        public Outputs(GpioController gpio, DeviceSetup setup)
        {
            _setup = setup;
            _valves = new GpioPin[setup.ChannelCount];
            _relays = new GpioPin[setup.ChannelCount];
            for (int i = 0; i < setup.ChannelCount; i++)
            {
                ChannelSpec c = setup.Channels[i];
                _valves[i] = Open(gpio, c.Valve);
                _relays[i] = Open(gpio, c.Relay);
            }
        }

        public bool ApplyValve(string channel, bool open)
        {
            return Drive(_valves, channel, !open);
        }

        public bool ApplyRelay(string channel, bool open)
        {
            return Drive(_relays, channel, open);
        }

        private bool Drive(GpioPin[] pins, string channel, bool energise)
        {
            int i = IndexOf(channel);
            if (i < 0 || pins[i] == null)
            {
                return false; // no such output on this device: acknowledged as bad_field
            }
            pins[i].Write(energise ? PinValue.High : PinValue.Low);
            return true;
        }

        private int IndexOf(string channel)
        {
            for (int i = 0; i < _setup.ChannelCount; i++)
            {
                if (_setup.Channels[i].Name == channel)
                {
                    return i;
                }
            }
            return -1;
        }

        private GpioPin Open(GpioController gpio, string role)
        {
            if (role == null)
            {
                return null;
            }
            GpioPin pin = gpio.OpenPin(_setup.GpioOf(role), PinMode.Output);
            pin.Write(PinValue.Low); // de-energised at boot: water and power on
            return pin;
        }
    }
}
