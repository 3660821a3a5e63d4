using System.Device.Gpio;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Host.Board;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Tests.Drivers;

namespace Commons.Metering.Tests.Board;

/// <summary>The hardware pin maps wired to drivers: real ones where the host has what they need,
/// simulated ones otherwise, each saying why. GPIO through a test driver (no board on the build
/// machines); the PZEM's serial port is a real pseudo-terminal.</summary>
public sealed class BoardWiringTests : IDisposable
{
    private readonly OfflineDevice _meter = new("m-0001");
    private MeterDevice Device => _meter.Device;
    private SimulatedClock Clock => _meter.Clock;

    private static PiPinMap PiMapWithPzemOn(string port) =>
        PiPinMap.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Board", PiPinMap.DefaultFileName)).Replace("/dev/serial0", port));

    [Fact]
    public void EnergyNode_OnABoard_PollsThePzem_CountsS0Edges_AndDrivesTheRelay()
    {
        using var pty = new PseudoTerminal();
        using var pzem = new PzemResponder(pty);
        var driver = new TestGpioDriver();
        using var gpio = new GpioController(driver);
        var setup = BoardMeter.LoadSetup(RepoPath.Of("hardware", "pinmaps", "energy-node.json"));
        using var wiring = new BoardWiring(Device, setup, PiMapWithPzemOn(pty.SlavePath), new BoardHardware(gpio, ""), Clock, "e-0001");
        Device.Start();

        Assert.Equal(
            [$"grid: PZEM-004T on {pty.SlavePath}, Modbus address 248, polled every 5000 ms",
             "grid: relay on GPIO24 (relay_heater; high = energised = curtailed)",
             "sub: GPIO23 (s0_sub, falling edges, 20 ms debounce, 1 Wh per 1 pulses)"],
            wiring.Sources);
        Assert.False(wiring.HasSimulatedSensors);

        pzem.Enqueue(PzemResponder.Answer100000Wh);
        wiring.Poll();
        Assert.Equal(PzemResponder.GeneralAddressReadRequest, Assert.Single(pzem.Requests));
        Assert.Equal(100_000, wiring.Channels[0].Register);

        driver.Raise(23, PinEventTypes.Falling);
        Clock.Advance(1_000);
        driver.Raise(23, PinEventTypes.Falling);
        Assert.Equal(2, wiring.Channels[1].Register);
        Assert.Equal(PinMode.Input, driver.Modes[23]); // "in": the S0 divider is external

        Assert.Equal(PinValue.Low, driver.LastWritten(24)); // de-energised at start: power on
        Assert.True(wiring.Outputs.ApplyRelay("grid", open: true));
        Assert.Equal(PinValue.High, driver.LastWritten(24));
        Assert.False(wiring.Outputs.ApplyRelay("sub", open: true)); // no relay on that channel
    }

    [Fact]
    public void ForestNode_WithoutGpio_IsSimulated_AndSaysWhy()
    {
        var setup = BoardMeter.LoadSetup(RepoPath.Of("hardware", "pinmaps", "forest-node.json"));
        using var wiring = new BoardWiring(Device, setup, PiPinMap.LoadDefault(), new BoardHardware(null, "no /dev/gpiochip* on this host"), Clock, "f-0001");
        Device.Start();

        Assert.Equal(["harvest: simulated forest loads (no /dev/gpiochip* on this host)"], wiring.Sources);
        Assert.Null(wiring.Forest);
        wiring.Simulate(Clock.UnixMs, Clock.UnixMs + 60L * 86_400_000); // two months of a staffed scale
        Assert.InRange(wiring.Channels[0].Register, 10_000, long.MaxValue); // some loads of 10-40 kg were booked
    }

    [Fact]
    public void ARoleMissingFromTheBoardMap_FallsBackToSimulation_ForThatChannelOnly()
    {
        var driver = new TestGpioDriver();
        using var gpio = new GpioController(driver);
        var setup = BoardMeter.LoadSetup(RepoPath.Of("hardware", "pinmaps", "water-node.json"));
        var map = PiPinMap.Parse("""{"board":"test-board","pins":[{"role":"flow_garden","bcm":27,"header":13},{"role":"valve_main","bcm":22,"header":15}]}""");
        using var wiring = new BoardWiring(Device, setup, map, new BoardHardware(gpio, ""), Clock, "w-0001");

        Assert.Equal(
            ["main: simulated household (role reed_main is not in the test-board pin map)",
             "main: valve on GPIO22 (valve_main; high = energised = curtailed)",
             "garden: GPIO27 (flow_garden, falling edges, 0 ms debounce, 1000 mL per 450 pulses)"],
            wiring.Sources);
        Assert.True(wiring.HasSimulatedSensors);
    }

    [Fact]
    public void BoardMeter_FromAPinMapFile_WithoutABoard_ListsEveryChannelAsSimulated()
    {
        using var meter = new BoardMeter(new BoardMeterOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1" },
            Community = "t",
            MeterId = "w-0002",
            DataDirectory = _meter.DataDirectory,
            SetupFile = RepoPath.Of("hardware", "pinmaps", "water-node.json"),
            Hardware = new BoardHardware(null, "no /dev/gpiochip* on this host"),
        });
        Assert.Equal(
            ["main: simulated household (no /dev/gpiochip* on this host)",
             "main: simulated valve (no /dev/gpiochip* on this host)",
             "garden: simulated household (no /dev/gpiochip* on this host)"],
            meter.Sources);
    }

    [Fact]
    public void BoardMeter_WithoutASetupFileOrPin_IsTheSimulatedPulseMeterOfTheCommandLine()
    {
        using var meter = new BoardMeter(new BoardMeterOptions
        {
            Broker = new MqttBrokerOptions { Host = "127.0.0.1" }, Community = "t", MeterId = "e-0002",
            DataDirectory = _meter.DataDirectory, Kind = MeterKind.Energy,
        });
        Assert.Equal("main: simulated household (no pulse pin given)", meter.Source);
    }

    public void Dispose() => _meter.Dispose();

    [Fact]
    public void A_setup_with_gauges_is_refused_on_a_Pi_instead_of_sending_nothing()
    {
        var map = File.ReadAllText(RepoPath.Of("hardware", "pinmaps", "energy-node.json"));
        var path = Path.Combine(Path.GetTempPath(), "energy-gauge-" + Guid.NewGuid().ToString("N") + ".json");
        File.WriteAllText(path, map.Replace("\"pzem\": {", "\"gauges\": [{ \"name\": \"load_w\", \"sensor\": \"pzem\", \"quantity\": \"power_w\" }],\n  \"pzem\": {", StringComparison.Ordinal));
        try
        {
            var error = Assert.Throws<FormatException>(() => BoardMeter.LoadSetup(path));
            Assert.Contains("gauges[] (load_w, ...) are wired by the ESP32 application only", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
