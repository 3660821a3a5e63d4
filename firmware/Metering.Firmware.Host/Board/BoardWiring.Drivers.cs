using System.Device.Gpio;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Actuators;
using Commons.Metering.Firmware.Host.Drivers;
using Commons.Metering.Firmware.Host.Gpio;

namespace Commons.Metering.Firmware.Host.Board;

public sealed partial class BoardWiring
{
    private void WirePulse(ChannelSpec c, PulseChannel channel)
    {
        var why = GpioMissing(c.Pin, out var bcm);
        if (why is null)
        {
            // No PCNT on a Pi: a `pcnt` (Hall sensor) channel is counted by edge interrupts too; its
            // debounce_ms is 0, so the core keeps every edge.
            var mode = _setup.PinOf(c.Pin)!.Mode switch
            {
                PinAssignment.ModeInputPullUp => PinMode.InputPullUp,
                PinAssignment.ModeInputPullDown => PinMode.InputPullDown,
                _ => PinMode.Input, // the pin maps' pull-ups and dividers are external
            };
            var input = new GpioPulseInput(_hw.Gpio!, bcm, channel, _clock, PinEventTypes.Falling, mode);
            _owned.Add(input);
            _pulseInputs.Add(input);
            _sources.Add($"{c.Name}: GPIO{bcm} ({c.Pin}, falling edges, {c.DebounceMs} ms debounce, {c.UnitsNumerator} {c.Unit} per {c.PulsesDenominator} pulses)");
            return;
        }
        AddSimulatedPulses(c, channel);
        _sources.Add($"{c.Name}: simulated household ({why})");
    }

    private void WirePzem(ChannelSpec c, RegisterChannel channel)
    {
        var port = _map.PzemPort;
        string why;
        if (port is null) why = $"no serial port for the PZEM in the {_map.Board} pin map";
        else if (!_hw.DeviceExists(port)) why = $"no serial port {port} on this host";
        else
        {
            try
            {
                var pzem = new PzemSerialMeter(port, _setup.PzemAddress, channel);
                _owned.Add(pzem);
                _pzems.Add(pzem);
                _sources.Add($"{c.Name}: PZEM-004T on {port}, Modbus address {_setup.PzemAddress}, polled every {PzemPollMs} ms");
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                why = $"{port} cannot be opened: {e.Message}";
            }
        }
        AddSimulatedRegister(channel);
        _sources.Add($"{c.Name}: simulated energy register ({why})");
    }

    private void WireScale(ChannelSpec c, AccumulatorChannel channel)
    {
        var sck = -1;
        var rst = -1;
        (int Bus, int ChipSelect) spi = default;
        var why = GpioMissing("hx711_dout", out var dout) ?? GpioMissing("hx711_sck", out sck) ?? RfidMissing(out spi, out rst);
        if (why is null)
        {
            var scale = new Hx711Scale(_hw.Gpio!, dout, sck, _setup.Scale, _setup.ScaleSamples);
            _owned.Add(scale);
            var reader = new PermitReader(spi.Bus, spi.ChipSelect, rst, _hw.Gpio!);
            _owned.Add(reader);
            _forest = new ForestStation(_device, channel, _setup, () => reader.TryReadUid(CardPoll), scale.TryWeigh, Console.WriteLine);
            _sources.Add($"{c.Name}: HX711 on GPIO{dout}/GPIO{sck} (median of {_setup.ScaleSamples}, " +
                         $"{(_setup.Scale.IsCalibrated ? "calibrated" : "NOT calibrated: run `metering calibrate`")}), " +
                         $"MFRC522 on {BoardHardware.SpiDevicePath(spi.Bus, spi.ChipSelect)}, {_setup.PermitCount} permit cards");
            return;
        }
        AddSimulatedLoads(channel);
        _sources.Add($"{c.Name}: simulated forest loads ({why})");
    }

    private string? RfidMissing(out (int Bus, int ChipSelect) spi, out int resetBcm)
    {
        spi = default;
        var why = GpioMissing("rfid_rst", out resetBcm);
        if (why is not null) return why;
        if (_map.RfidSpi is not { } bus) return $"no SPI bus for the MFRC522 in the {_map.Board} pin map";
        spi = bus;
        var path = BoardHardware.SpiDevicePath(bus.Bus, bus.ChipSelect);
        return _hw.DeviceExists(path) ? null : $"no {path} on this host (enable SPI: dtparam=spi=on)";
    }

    /// <summary>Tells the core which output the channel's curtailment drives, and puts that output
    /// on GPIO when it can (all outputs of a device on GPIO, or all simulated: one command handler).</summary>
    private void WireOutput(MeterChannel channel, ChannelSpec c)
    {
        var role = c.Valve ?? c.Relay;
        if (role is null) return;
        var valve = c.Valve is not null;
        _device.SetOutput(channel, valve ? ChannelOutput.Valve : ChannelOutput.Relay);
        var kind = valve ? "valve" : "relay";
        var why = GpioMissing(role, out var bcm);
        if (why is null && _simulatedOutputs is null)
        {
            _gpioOutputs ??= new GpioOutputs(_hw.Gpio!);
            if (!_owned.Contains(_gpioOutputs)) _owned.Add(_gpioOutputs);
            if (valve) _gpioOutputs.AddValve(c.Name, bcm);
            else _gpioOutputs.AddRelay(c.Name, bcm);
            _sources.Add($"{c.Name}: {kind} on GPIO{bcm} ({role}; high = energised = curtailed)");
            return;
        }
        if (_gpioOutputs is not null) throw new InvalidOperationException($"{c.Name}: the {kind} {role} cannot be on GPIO ({why}) while other outputs are");
        _simulatedOutputs ??= new SimulatedOutputs();
        if (valve) _simulatedOutputs.AddValve(c.Name);
        else _simulatedOutputs.AddRelay(c.Name);
        _sources.Add($"{c.Name}: simulated {kind} ({why})");
    }
}
