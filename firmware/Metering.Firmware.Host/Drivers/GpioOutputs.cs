using System.Device.Gpio;

namespace Commons.Metering.Firmware.Host.Drivers;

/// <summary>Valves and relays on GPIO outputs, driven by the core (its local policy and the
/// gateway's valve/relay commands) through <see cref="ICommandHandler"/>. Fail-safe wiring
/// (hardware/actuators): a normally-open valve, and loads on the relay's normally-closed contact,
/// so an unpowered or rebooting board leaves water and power ON (docs/design.md rule 6). Hence pin
/// HIGH = energised = curtailed (valve closed, relay circuit open), as in the ESP32 application's
/// Outputs. Every output is written LOW when opened: de-energised at start.</summary>
public sealed class GpioOutputs : ICommandHandler, IDisposable
{
    private readonly GpioController _controller;
    private readonly Dictionary<string, int> _valves = new(StringComparer.Ordinal);
    private readonly Dictionary<string, int> _relays = new(StringComparer.Ordinal);
    private readonly object _gate = new();

    public GpioOutputs(GpioController controller)
    {
        _controller = controller ?? throw new ArgumentNullException(nameof(controller));
    }

    /// <summary>A valve on <paramref name="channel"/>, driven through GPIO <paramref name="pin"/>
    /// (logical numbering: BCM on a Raspberry Pi).</summary>
    public void AddValve(string channel, int pin) => Add(_valves, channel, pin);

    /// <summary>A relay on <paramref name="channel"/>, driven through GPIO <paramref name="pin"/>.</summary>
    public void AddRelay(string channel, int pin) => Add(_relays, channel, pin);

    public bool ApplyValve(string channel, bool open) => Drive(_valves, channel, energise: !open);

    public bool ApplyRelay(string channel, bool open) => Drive(_relays, channel, energise: open);

    private void Add(Dictionary<string, int> outputs, string channel, int pin)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        lock (_gate)
        {
            if (_valves.ContainsKey(channel) || _relays.ContainsKey(channel))
                throw new ArgumentException($"channel {channel} already has an output", nameof(channel));
            _controller.OpenPin(pin, PinMode.Output);
            _controller.Write(pin, PinValue.Low); // de-energised: water and power on
            outputs.Add(channel, pin);
        }
    }

    private bool Drive(Dictionary<string, int> outputs, string channel, bool energise)
    {
        lock (_gate)
        {
            if (!outputs.TryGetValue(channel, out var pin)) return false; // acknowledged as bad_field
            _controller.Write(pin, energise ? PinValue.High : PinValue.Low);
            return true;
        }
    }

    /// <summary>Releases the pins without driving them first; what a released line does then is up
    /// to the GPIO driver. The next start writes every output LOW again (fail-safe), and the core's
    /// first Tick re-drives what its persisted policy curtails.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var pin in _valves.Values.Concat(_relays.Values))
                if (_controller.IsPinOpen(pin)) _controller.ClosePin(pin);
        }
    }
}
