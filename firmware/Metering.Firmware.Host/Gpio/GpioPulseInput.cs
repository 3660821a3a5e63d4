using System.Device.Gpio;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Firmware.Host.Gpio;

/// <summary>A meter's pulse output (reed switch of a water meter, S0 output of an energy meter)
/// on a GPIO pin: each falling edge goes to the core's <see cref="PulseChannel.OnEdge"/> with
/// the uptime, and the core debounces (reed contacts bounce for milliseconds; docs/design.md
/// asks 50-100 ms). The pin is pulled up: S0 and reed outputs are open collector / contact to
/// ground (IEC 62053-31 S0; wiring in hardware/).</summary>
public sealed class GpioPulseInput : IDisposable
{
    private readonly GpioController _controller;
    private readonly PulseChannel _channel;
    private readonly IClock _clock;
    private readonly bool _ownsController;
    private long _edges;

    public GpioPulseInput(GpioController controller, int pin, PulseChannel channel, IClock clock,
        PinEventTypes edge = PinEventTypes.Falling, PinMode mode = PinMode.InputPullUp, bool ownsController = false)
    {
        _controller = controller ?? throw new ArgumentNullException(nameof(controller));
        _channel = channel ?? throw new ArgumentNullException(nameof(channel));
        _clock = clock ?? throw new ArgumentNullException(nameof(clock));
        _ownsController = ownsController;
        Pin = pin;
        if (!controller.IsPinModeSupported(pin, mode)) mode = PinMode.Input; // external pull-up then
        controller.OpenPin(pin, mode);
        controller.RegisterCallbackForPinValueChangedEvent(pin, edge, OnPinChanged);
    }

    public int Pin { get; }

    /// <summary>Edges seen (before the core's debounce).</summary>
    public long Edges => Interlocked.Read(ref _edges);

    public void Dispose()
    {
        _controller.UnregisterCallbackForPinValueChangedEvent(Pin, OnPinChanged);
        if (_controller.IsPinOpen(Pin)) _controller.ClosePin(Pin);
        if (_ownsController) _controller.Dispose();
    }

    private void OnPinChanged(object sender, PinValueChangedEventArgs e)
    {
        Interlocked.Increment(ref _edges);
        _channel.OnEdge(_clock.UptimeMs);
    }
}
