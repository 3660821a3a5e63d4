using System.Device.Gpio;
using System.Diagnostics;
using System.Text;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Host.Board;
using Commons.Metering.Firmware.Host.Mqtt;
using Commons.Metering.Firmware.Host.Platform;
using Commons.Metering.Testing;
using Commons.Metering.Tests.Drivers;
using Commons.Metering.Tests.Mqtt;

namespace Commons.Metering.Tests.Board;

/// <summary>The gateway's relay command, through a real mosquitto and the real core, reaches the
/// energy node's relay pin on the board (GPIO through a test driver: no board on the build machines).</summary>
[Trait("Category", "Integration")]
public sealed class BoardCommandTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(30);
    private const int RelayPin = 24; // raspberry-pi.json: relay_heater

    [Fact]
    public async Task RelayCommands_FromTheGateway_DriveTheRelayPin_AndAreAcknowledged()
    {
        using var broker = Broker.Start();
        await using var gateway = await Subscriber.StartAsync(broker.Port, "commons/v1/t/e-0001/up/#", "gateway");
        using var dir = new TempDir();
        using var store = new FileBlockStore(dir.File("e.flash"));
        using var transport = new MqttNetTransport(new MqttBrokerOptions { Host = "127.0.0.1", Port = broker.Port });
        var clock = new SimulatedClock(1_764_245_400_000);
        var device = new MeterDevice(new DeviceConfig { Community = "t", MeterId = "e-0001" }, clock, store, transport, new SeededRandom(1));
        var driver = new TestGpioDriver();
        using var gpio = new GpioController(driver);
        var setup = BoardMeter.LoadSetup(RepoPath.Of("hardware", "pinmaps", "energy-node.json"));
        // No serial port on this map: the PZEM is simulated, the relay and the S0 input are on GPIO.
        var map = PiPinMap.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "Board", PiPinMap.DefaultFileName)).Replace("/dev/serial0", "/dev/no-such-port"));
        using var wiring = new BoardWiring(device, setup, map, new BoardHardware(gpio, ""), clock, "e-0001");
        device.Start();
        Assert.Contains("grid: relay on GPIO24 (relay_heater; high = energised = curtailed)", wiring.Sources);

        // Online (the core subscribes to its commands before it publishes the retained status).
        Assert.True(await TickUntil(device, clock, () => gateway.Messages.Any(m => m.Topic.EndsWith("/up/status", StringComparison.Ordinal) && Text(m.Payload).Contains("online"))), "device never came online");
        Assert.Equal(PinValue.Low, driver.LastWritten(RelayPin));

        await Command("r-1", "open");
        Assert.True(await TickUntil(device, clock, () => driver.LastWritten(RelayPin) == PinValue.High && Acked("r-1")), "relay open: pin not high or no ack");

        await Command("r-2", "closed");
        Assert.True(await TickUntil(device, clock, () => driver.LastWritten(RelayPin) == PinValue.Low && Acked("r-2")), "relay closed: pin not low or no ack");

        Task Command(string cid, string state) => gateway.PublishAsync("commons/v1/t/e-0001/down/cmd",
            $$"""{"v":1,"cid":"{{cid}}","exp":{{clock.UnixMs + 3_600_000}},"op":"relay","ch":"grid","state":"{{state}}"}""");

        bool Acked(string cid) => gateway.Messages.Any(m => Text(m.Payload).Contains($"\"cid\":\"{cid}\",\"ok\":true"));
    }

    /// <summary>Runs the device's loop (Tick, 100 ms of device time) until the condition holds, at
    /// most <see cref="Wait"/> of real time.</summary>
    private static async Task<bool> TickUntil(MeterDevice device, SimulatedClock clock, Func<bool> done)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < Wait)
        {
            device.Tick();
            if (done()) return true;
            clock.Advance(100);
            await Task.Delay(10);
        }
        return done();
    }

    private static string Text(byte[] payload) => Encoding.UTF8.GetString(payload);
}
