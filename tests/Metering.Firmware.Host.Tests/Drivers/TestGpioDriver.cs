using System.Device.Gpio;

namespace Commons.Metering.Tests.Drivers;

/// <summary>System.Device.Gpio's driver seam with no hardware behind it: no board is attached to
/// the build machines (on a Pi the real LibGpiodDriver stands here, unchanged code above it). It
/// records modes and every level written, raises edges on request, and lets a simulated chip
/// (<see cref="Hx711Chip"/>) answer reads and see writes.</summary>
internal sealed class TestGpioDriver : GpioDriver
{
    private readonly Dictionary<int, (PinEventTypes Types, PinChangeEventHandler Handler)> _callbacks = [];
    private readonly object _gate = new();

    public Dictionary<int, PinMode> Modes { get; } = [];

    /// <summary>Every level written, per pin, in order.</summary>
    public Dictionary<int, List<PinValue>> Written { get; } = [];

    /// <summary>A simulated device on some pins: asked for reads, told of writes. Null: reads are high.</summary>
    public IPinDevice? Device { get; set; }

    public PinValue? LastWritten(int pin)
    {
        lock (_gate) return Written.TryGetValue(pin, out var list) && list.Count > 0 ? list[^1] : null;
    }

    public void Raise(int pin, PinEventTypes type)
    {
        (PinEventTypes Types, PinChangeEventHandler Handler) cb;
        lock (_gate)
            if (!_callbacks.TryGetValue(pin, out cb)) return;
        if ((cb.Types & type) != 0) cb.Handler(this, new PinValueChangedEventArgs(type, pin));
    }

    protected override int PinCount => 28; // BCM 0..27 on the 40-pin header
    protected override void OpenPin(int pinNumber) { }
    protected override void ClosePin(int pinNumber)
    {
        lock (_gate) Modes.Remove(pinNumber);
    }
    protected override void SetPinMode(int pinNumber, PinMode mode)
    {
        lock (_gate) Modes[pinNumber] = mode;
    }
    protected override PinMode GetPinMode(int pinNumber)
    {
        lock (_gate) return Modes[pinNumber];
    }
    protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;
    protected override PinValue Read(int pinNumber) => Device?.Read(pinNumber) ?? PinValue.High;
    protected override void Write(int pinNumber, PinValue value)
    {
        lock (_gate)
        {
            if (!Written.TryGetValue(pinNumber, out var list)) Written[pinNumber] = list = [];
            list.Add(value);
        }
        Device?.Write(pinNumber, value);
    }
    protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
        new() { TimedOut = true };
    protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback)
    {
        lock (_gate) _callbacks[pinNumber] = (eventTypes, callback);
    }
    protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback)
    {
        lock (_gate) _callbacks.Remove(pinNumber);
    }
}

/// <summary>A simulated chip wired to some GPIO pins.</summary>
internal interface IPinDevice
{
    PinValue? Read(int pin);
    void Write(int pin, PinValue value);
}
