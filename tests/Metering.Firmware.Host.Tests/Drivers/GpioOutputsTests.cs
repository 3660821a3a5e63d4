using System.Device.Gpio;
using Commons.Metering.Firmware.Host.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>Valves and relays on GPIO through System.Device.Gpio's driver seam (a test driver: no
/// board on the build machines). High = energised = curtailed (fail-safe wiring, hardware/actuators).</summary>
public sealed class GpioOutputsTests : IDisposable
{
    private const int ValvePin = 22, RelayPin = 24; // raspberry-pi.json: valve_main, relay_heater
    private readonly TestGpioDriver _driver = new();
    private readonly GpioController _gpio;
    private readonly GpioOutputs _outputs;

    public GpioOutputsTests()
    {
        _gpio = new GpioController(_driver);
        _outputs = new GpioOutputs(_gpio);
        _outputs.AddValve("main", ValvePin);
        _outputs.AddRelay("heater", RelayPin);
    }

    [Fact]
    public void Outputs_StartDeEnergised_WaterAndPowerOn()
    {
        Assert.Equal(PinMode.Output, _driver.Modes[ValvePin]);
        Assert.Equal(PinMode.Output, _driver.Modes[RelayPin]);
        Assert.Equal([PinValue.Low], _driver.Written[ValvePin]);
        Assert.Equal([PinValue.Low], _driver.Written[RelayPin]);
    }

    [Fact]
    public void ClosingTheValve_AndOpeningTheRelay_EnergiseTheirPins()
    {
        Assert.True(_outputs.ApplyValve("main", open: false));
        Assert.True(_outputs.ApplyRelay("heater", open: true));
        Assert.Equal(PinValue.High, _driver.LastWritten(ValvePin));
        Assert.Equal(PinValue.High, _driver.LastWritten(RelayPin));

        Assert.True(_outputs.ApplyValve("main", open: true));
        Assert.True(_outputs.ApplyRelay("heater", open: false));
        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low], _driver.Written[ValvePin]);
        Assert.Equal([PinValue.Low, PinValue.High, PinValue.Low], _driver.Written[RelayPin]);
    }

    [Fact]
    public void AChannelWithoutThatOutput_IsRefused_SoTheCoreAcknowledgesBadField()
    {
        Assert.False(_outputs.ApplyRelay("main", open: false));
        Assert.False(_outputs.ApplyValve("garden", open: false));
        Assert.Equal([PinValue.Low], _driver.Written[ValvePin]);
    }

    [Fact]
    public void AChannelGetsOneOutput()
    {
        Assert.Throws<ArgumentException>(() => _outputs.AddRelay("main", 23));
        Assert.False(_gpio.IsPinOpen(23));
    }

    [Fact]
    public void Dispose_ReleasesThePins()
    {
        _outputs.Dispose();
        Assert.False(_gpio.IsPinOpen(ValvePin));
        Assert.False(_gpio.IsPinOpen(RelayPin));
    }

    public void Dispose()
    {
        _outputs.Dispose();
        _gpio.Dispose();
    }
}
