using System.Device.Gpio;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Host.Gpio;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Testing;

namespace Commons.Metering.Tests.Gpio;

public sealed class GpioPulseInputTests
{
    [Fact]
    public void FallingEdges_ReachTheCore_WhichDebouncesContactBounce()
    {
        using var dir = new TempDir();
        using var store = new FileBlockStore(dir.File("m.flash"));
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1" });
        var clock = new SimulatedClock(1_764_245_400_000);
        var device = new MeterDevice(new DeviceConfig { Community = "t", MeterId = "w-gpio" }, clock, store, transport, new SeededRandom(1));
        var channel = device.AddPulseChannel("main", "mL", 1000, 1, 50);
        var driver = new SimulatedGpioDriver();
        using var controller = new GpioController(driver);

        using var input = new GpioPulseInput(controller, 17, channel, clock);
        Assert.Equal(PinMode.InputPullUp, driver.Modes[17]);

        driver.Raise(17, PinEventTypes.Falling); // t = 0: a pulse
        clock.Advance(10);
        driver.Raise(17, PinEventTypes.Falling); // 10 ms later: bounce, ignored
        clock.Advance(990);
        driver.Raise(17, PinEventTypes.Falling); // a second pulse
        Assert.Equal(3, input.Edges);
        Assert.Equal(2000, channel.Register);
    }

    [Fact]
    public void Dispose_ReleasesThePin()
    {
        using var dir = new TempDir();
        using var store = new FileBlockStore(dir.File("m.flash"));
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1" });
        var clock = new SimulatedClock(1);
        var device = new MeterDevice(new DeviceConfig { Community = "t", MeterId = "e-gpio" }, clock, store, transport, new SeededRandom(1));
        var channel = device.AddPulseChannel("main", "Wh", 1, 1, 50);
        var driver = new SimulatedGpioDriver();
        using var controller = new GpioController(driver);
        new GpioPulseInput(controller, 4, channel, clock).Dispose();
        Assert.False(controller.IsPinOpen(4));
        driver.Raise(4, PinEventTypes.Falling);
        Assert.Equal(0, channel.Register);
    }

    [Fact]
    public void Board_WithoutGpioChips_IsNotPresent()
    {
        using var dir = new TempDir();
        Assert.False(GpioBoard.HasGpioChip(dir.Path));
        File.WriteAllText(dir.File("gpiochip0"), "");
        Assert.True(GpioBoard.HasGpioChip(dir.Path));
    }

    /// <summary>A GPIO driver without hardware: the test raises pin events by hand. (No board is
    /// attached to the build machines; on a Pi the real LibGpiodDriver stands here.)</summary>
    private sealed class SimulatedGpioDriver : GpioDriver
    {
        private readonly Dictionary<int, (PinEventTypes Types, PinChangeEventHandler Handler)> _callbacks = new();
        public Dictionary<int, PinMode> Modes { get; } = new();

        public void Raise(int pin, PinEventTypes type)
        {
            if (_callbacks.TryGetValue(pin, out var cb) && (cb.Types & type) != 0)
                cb.Handler(this, new PinValueChangedEventArgs(type, pin));
        }

        protected override int PinCount => 28;
        protected override void OpenPin(int pinNumber) { }
        protected override void ClosePin(int pinNumber) => Modes.Remove(pinNumber);
        protected override void SetPinMode(int pinNumber, PinMode mode) => Modes[pinNumber] = mode;
        protected override PinMode GetPinMode(int pinNumber) => Modes[pinNumber];
        protected override bool IsPinModeSupported(int pinNumber, PinMode mode) => true;
        protected override PinValue Read(int pinNumber) => PinValue.High;
        protected override void Write(int pinNumber, PinValue value) { }
        protected override WaitForEventResult WaitForEvent(int pinNumber, PinEventTypes eventTypes, CancellationToken cancellationToken) =>
            new() { TimedOut = true };
        protected override void AddCallbackForPinValueChangedEvent(int pinNumber, PinEventTypes eventTypes, PinChangeEventHandler callback) =>
            _callbacks[pinNumber] = (eventTypes, callback);
        protected override void RemoveCallbackForPinValueChangedEvent(int pinNumber, PinChangeEventHandler callback) =>
            _callbacks.Remove(pinNumber);
    }
}
