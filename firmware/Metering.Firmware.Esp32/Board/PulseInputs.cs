using System;
using System.Device.Gpio;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Platform;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>A pulse input counted by the ESP32 PCNT peripheral (GpioPulseCounter from
    /// nanoFramework.Hardware.Esp32): for clean, fast edges such as a Hall flow sensor (YF-S201,
    /// up to ~225 Hz at 30 L/min). Its glitch filter reaches only ~12.8 us, so contacts that bounce
    /// (reed, S0 relays) use <see cref="EdgePulseInput"/> instead (docs/design.md, device constraints).</summary>
    internal sealed class PcntPulseInput
    {
        private readonly GpioPulseCounter _counter;
        private readonly PulseChannel _channel;
        private long _lastCount;

        public PcntPulseInput(int gpio, PulseChannel channel)
        {
            _channel = channel;
            _counter = new GpioPulseCounter(gpio);
            _counter.Polarity = GpioPulsePolarity.Falling;
            _counter.Start();
        }

        /// <summary>Feeds the pulses counted since the last poll (the hardware count only grows).</summary>
        public void Poll()
        {
            long count = _counter.Read().Count;
            if (count > _lastCount)
            {
                _channel.AddPulses(count - _lastCount);
                _lastCount = count;
            }
        }
    }

    /// <summary>A reed contact or S0 output on a GPIO interrupt: the GPIO driver's own debounce
    /// (DebounceTimeout, NativeDebounce: at most 10 ms) filters bounce before it becomes a managed
    /// event; every falling edge that passes goes to PulseChannel.OnEdge with the uptime, and the core
    /// drops edges closer than the channel's debounce_ms to the last accepted one.</summary>
    internal sealed class EdgePulseInput
    {
        private readonly PulseChannel _channel;
        private readonly IClock _clock;
        private readonly GpioPin _pin;

        public EdgePulseInput(GpioController gpio, PinAssignment pin, PulseChannel channel, IClock clock, int debounceMs)
        {
            _channel = channel;
            _clock = clock;
            _pin = gpio.OpenPin(pin.Gpio, BoardPins.ModeOf(pin));
            _pin.DebounceTimeout = TimeSpan.FromTicks(NativeDebounce.FilterMs(debounceMs) * TimeSpan.TicksPerMillisecond);
            _pin.ValueChanged += OnValueChanged;
        }

        private void OnValueChanged(object sender, PinValueChangedEventArgs e)
        {
            if (e.ChangeType == PinEventTypes.Falling)
            {
                _channel.OnEdge(_clock.UptimeMs);
            }
        }
    }

    internal static class BoardPins
    {
        public static PinMode ModeOf(PinAssignment pin)
        {
            switch (pin.Mode)
            {
                case PinAssignment.ModeInputPullUp: return PinMode.InputPullUp;
                case PinAssignment.ModeInputPullDown: return PinMode.InputPullDown;
                case PinAssignment.ModeOutput: return PinMode.Output;
                default: return PinMode.Input;
            }
        }
    }
}
