using System.Device.Gpio;
using System.Threading;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Esp32.Board
{
    /// <summary>Builds the core and the board's inputs, gauges and outputs from the configuration, then
    /// runs the main loop: Tick, poll the sensors and gauges, feed the watchdog; battery nodes go back to deep
    /// sleep when the core's AwakeWindow says the wake's work is done.</summary>
    internal sealed class MeterBoard
    {
        /// <summary>Core README: Tick "often (at most 1 s)"; 100 ms keeps commands and PUBACKs prompt.</summary>
        private const int LoopMs = 100;

        /// <summary>The PZEM refreshes its registers about once a second; polling every 5 s keeps a
        /// reading's energy register at most 5 s old while leaving the UART idle 99% of the time.</summary>
        private const int PzemPollMs = 5000;

        private readonly DeviceSetup _setup;
        private readonly Esp32Clock _clock = new Esp32Clock();
        private readonly GpioController _gpio = new GpioController();
        private readonly PcntPulseInput[] _counters;
        private readonly EdgePulseInput[] _edges;
        private int _counterCount;
        private int _edgeCount;
        private PzemMeter _pzem;
        private ForestStation _forest;
        private GaugeInputs _gauges;
        private MeterDevice _device;
        private Watchdog _watchdog;

        public MeterBoard(DeviceSetup setup)
        {
            _setup = setup;
            _counters = new PcntPulseInput[setup.ChannelCount];
            _edges = new EdgePulseInput[setup.ChannelCount];
        }

        public void Run()
        {
            DeviceSetup s = _setup;
            bool sleeper = s.SleepIntervalS > 0;
            PowerSensors(true);

            M2MqttTransport transport = new M2MqttTransport(s, s.MqttUser, s.MqttPassword,
                TransportQueue.InflightCapacity(s.Config.MaxInflight));
            FlashFileBlockStore store = new FlashFileBlockStore(FlashFileBlockStore.DevicePath,
                FlashFileBlockStore.DefaultBlockSize, FlashFileBlockStore.DefaultBlockCount);
            _device = new MeterDevice(s.Config, _clock, store, transport, new Esp32Random());
            // Made before the channels so a weighing can feed it (Hx711Scale); it is not armed
            // before its first feed and its thread starts below.
            _watchdog = new Watchdog(s.WatchdogMs, _clock);
            for (int i = 0; i < s.ChannelCount; i++)
            {
                AddChannel(s.Channels[i]);
            }
            // After the channels: a pzem gauge shares the register channel's PZEM.
            _gauges = new GaugeInputs(_device, s, _pzem);
            _device.SetCommandHandler(new Outputs(_gpio, s));
            // A wake from our own deep sleep is not a boot (no boot count, no boot event).
            _device.Start(DeepSleep.WokeFromDeepSleep());

            new WifiLink(s.WifiSsid, s.WifiPassword).StartInBackground();
            Watchdog watchdog = _watchdog;
            watchdog.Start();
            AwakeWindow window = sleeper ? new AwakeWindow(s.AwakeMaxS * 1000) : null;

            long nextPzemMs = 0;
            while (true)
            {
                _device.Tick();
                for (int i = 0; i < _counterCount; i++)
                {
                    _counters[i].Poll();
                }
                long now = _clock.UptimeMs;
                if (_pzem != null && now >= nextPzemMs)
                {
                    _pzem.Poll();
                    nextPzemMs = now + PzemPollMs;
                }
                if (_forest != null)
                {
                    _forest.Poll();
                }
                _gauges.Poll(now);
                watchdog.Feed();
                if (window != null && window.ShouldSleep(now, _device.OutboxDepth, _device.IsConnected, _forest != null && _forest.Busy))
                {
                    _device.PrepareForDeepSleep(); // totals, and the wake continues the seq block
                    transport.Disconnect();
                    PowerSensors(false);
                    DeepSleep.Enter(s.SleepIntervalS, s.GpioOf("wake_button"));
                }
                Thread.Sleep(LoopMs);
            }
        }

        private void AddChannel(ChannelSpec c)
        {
            DeviceSetup s = _setup;
            if (c.Kind == ChannelSpec.KindPulse)
            {
                PulseChannel channel = _device.AddPulseChannel(c.Name, c.Unit, c.UnitsNumerator, c.PulsesDenominator, c.DebounceMs);
                PinAssignment pin = s.PinOf(c.Pin);
                if (c.Source == ChannelSpec.SourcePcnt)
                {
                    _counters[_counterCount++] = new PcntPulseInput(pin.Gpio, channel);
                }
                else
                {
                    _edges[_edgeCount++] = new EdgePulseInput(_gpio, pin, channel, _clock, c.DebounceMs);
                }
                WireOutput(channel, c);
            }
            else if (c.Kind == ChannelSpec.KindRegister)
            {
                RegisterChannel channel = _device.AddRegisterChannel(c.Name, c.Unit);
                _pzem = new PzemMeter(s.GpioOf("pzem_rx"), s.GpioOf("pzem_tx"), s.PzemAddress, channel);
                WireOutput(channel, c);
            }
            else
            {
                AccumulatorChannel channel = _device.AddAccumulatorChannel(c.Name, c.Unit);
                Hx711Scale scale = new Hx711Scale(_gpio, s.GpioOf("hx711_dout"), s.GpioOf("hx711_sck"), s.Scale, s.ScaleSamples, _watchdog);
                _forest = new ForestStation(_device, channel, scale, new PermitReader(_gpio, s));
            }
        }

        /// <summary>Tells the core's local policy which output a channel's curtailment drives.</summary>
        private void WireOutput(MeterChannel channel, ChannelSpec c)
        {
            if (c.Valve != null)
            {
                _device.SetOutput(channel, ChannelOutput.Valve);
            }
            else if (c.Relay != null)
            {
                _device.SetOutput(channel, ChannelOutput.Relay);
            }
        }

        /// <summary>The forest node's high-side switch (P-MOSFET: gate low = sensors powered).</summary>
        private void PowerSensors(bool on)
        {
            int gpio = _setup.GpioOf("sensor_power");
            if (gpio < 0)
            {
                return;
            }
            GpioPin pin = _gpio.IsPinOpen(gpio) ? null : _gpio.OpenPin(gpio, PinMode.Output);
            if (pin == null)
            {
                _gpio.Write(gpio, on ? PinValue.Low : PinValue.High);
                return;
            }
            pin.Write(on ? PinValue.Low : PinValue.High);
            if (on)
            {
                Thread.Sleep(Hx711.SettlingMs); // HX711 datasheet: output settles 400 ms after power-up
            }
        }
    }
}
