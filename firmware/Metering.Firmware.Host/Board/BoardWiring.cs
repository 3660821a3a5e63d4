using System.Device.Gpio;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Actuators;
using Commons.Metering.Firmware.Host.Drivers;
using Commons.Metering.Firmware.Host.Gpio;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Board;

/// <summary>Builds a device's channels, inputs and outputs from its configuration (the pin maps of
/// hardware/pinmaps, parsed by the core's <see cref="DeviceSetupParser"/>) the way the ESP32
/// application's MeterBoard does, with the Raspberry Pi's drivers: GPIO pulse inputs, the PZEM on a
/// serial port, the HX711 and MFRC522 through Iot.Device.Bindings, valves and relays on GPIO.
/// Each driver is real when the host has what it needs (GPIO, the mapped role, the serial or SPI
/// device) and simulated otherwise; <see cref="Sources"/> says which and why, one line each.</summary>
public sealed partial class BoardWiring : IDisposable
{
    /// <summary>The PZEM refreshes its registers about once a second; every 5 s (as on the ESP32)
    /// keeps a reading's energy register at most 5 s old.</summary>
    public const int PzemPollMs = 5000;

    /// <summary>How long a forest-station poll waits for a card (the ESP32's 100 ms).</summary>
    private static readonly TimeSpan CardPoll = TimeSpan.FromMilliseconds(100);

    private readonly MeterDevice _device;
    private readonly DeviceSetup _setup;
    private readonly PiPinMap _map;
    private readonly BoardHardware _hw;
    private readonly IClock _clock;
    private readonly string _meterId;
    private readonly List<string> _sources = [];
    private readonly List<IDisposable> _owned = [];
    private readonly List<PzemSerialMeter> _pzems = [];
    private readonly List<GpioPulseInput> _pulseInputs = [];
    private readonly List<MeterChannel> _channels = [];
    private ForestStation? _forest;
    private GpioOutputs? _gpioOutputs;
    private SimulatedOutputs? _simulatedOutputs;
    private long _nextPzemMs;

    public BoardWiring(MeterDevice device, DeviceSetup setup, PiPinMap map, BoardHardware hardware, IClock clock, string meterId)
    {
        _device = device ?? throw new ArgumentNullException(nameof(device));
        _setup = setup ?? throw new ArgumentNullException(nameof(setup));
        _map = map ?? throw new ArgumentNullException(nameof(map));
        _hw = hardware ?? throw new ArgumentNullException(nameof(hardware));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _meterId = meterId;
        PowerSensors();
        for (var i = 0; i < setup.ChannelCount; i++) AddChannel(setup.Channels[i]);
        Outputs = (ICommandHandler?)_gpioOutputs ?? _simulatedOutputs ?? new SimulatedOutputs();
        device.SetCommandHandler(Outputs);
    }

    /// <summary>The valves and relays the core drives (GPIO or simulated).</summary>
    public ICommandHandler Outputs { get; }

    /// <summary>One line per channel and output: the driver chosen and, for a simulated one, why.</summary>
    public IReadOnlyList<string> Sources => _sources;

    /// <summary>The device's channels in configuration order.</summary>
    public IReadOnlyList<MeterChannel> Channels => _channels;

    public IReadOnlyList<PzemSerialMeter> Pzems => _pzems;

    public IReadOnlyList<GpioPulseInput> PulseInputs => _pulseInputs;

    public ForestStation? Forest => _forest;

    /// <summary>Simulated valves and relays (null when they are on GPIO or there are none).</summary>
    public SimulatedOutputs? SimulatedOutputs => _simulatedOutputs;

    /// <summary>From the main loop after each Tick: polls the PZEM every <see cref="PzemPollMs"/>
    /// and the forest station's card reader.</summary>
    public void Poll()
    {
        var now = _clock.UptimeMs;
        if (_pzems.Count > 0 && now >= _nextPzemMs)
        {
            foreach (var pzem in _pzems) pzem.Poll();
            _nextPzemMs = now + PzemPollMs;
        }
        _forest?.Poll();
    }

    public void Dispose()
    {
        for (var i = _owned.Count - 1; i >= 0; i--) _owned[i].Dispose();
        _owned.Clear();
    }

    private void AddChannel(ChannelSpec c)
    {
        switch (c.Kind)
        {
            case ChannelSpec.KindPulse:
                var pulses = _device.AddPulseChannel(c.Name, c.Unit, c.UnitsNumerator, c.PulsesDenominator, c.DebounceMs);
                _channels.Add(pulses);
                WirePulse(c, pulses);
                WireOutput(pulses, c);
                break;
            case ChannelSpec.KindRegister:
                var register = _device.AddRegisterChannel(c.Name, c.Unit);
                _channels.Add(register);
                WirePzem(c, register);
                WireOutput(register, c);
                break;
            default:
                var scale = _device.AddAccumulatorChannel(c.Name, c.Unit);
                _channels.Add(scale);
                WireScale(c, scale);
                break;
        }
    }

    /// <summary>Why a GPIO role cannot be used here, or null when <paramref name="bcm"/> is its pin.</summary>
    private string? GpioMissing(string? role, out int bcm)
    {
        bcm = -1;
        if (_hw.Gpio is null) return _hw.GpioAbsentReason;
        if (role is null) return "no pin role";
        if (!_map.TryGetRole(role, out var mapped)) return $"role {role} is not in the {_map.Board} pin map";
        if (mapped is not { } pin) return $"role {role} is not used on {_map.Board}";
        bcm = pin;
        return null;
    }

    /// <summary>The forest node's high-side switch (P-MOSFET: gate low = sensors powered). A Pi does
    /// not deep-sleep, so the sensors stay powered while the runtime runs.</summary>
    private void PowerSensors()
    {
        if (_setup.PinOf("sensor_power") is null || GpioMissing("sensor_power", out var bcm) is not null) return;
        _hw.Gpio!.OpenPin(bcm, PinMode.Output);
        _hw.Gpio.Write(bcm, PinValue.Low);
        _sources.Add($"sensor_power: GPIO{bcm} low (sensors on)");
    }
}
