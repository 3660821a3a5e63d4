using System.Device.Gpio;
using Commons.Metering.Firmware;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The forest station's wiring: a card's UID → the configuration's permit → the load weighed
/// by the HX711 (simulated chip through the binding) → MeterDevice.BookLoad. The MFRC522 itself is not
/// simulated here: its SPI conversation (REQA, anticollision, select) needs a real reader and card,
/// so the UID comes from a delegate where PermitReader.TryReadUid stands on a board.</summary>
public sealed class ForestStationTests : IDisposable
{
    private const int Dout = 5, Sck = 6;
    private readonly OfflineDevice _meter = new("f-0001");
    private readonly MeterDevice _device;
    private readonly AccumulatorChannel _harvest;
    private readonly DeviceSetup _setup = new();
    private readonly Hx711Chip _chip = new(Dout, Sck);
    private readonly GpioController _gpio;
    private readonly Hx711Scale _scale;
    private readonly List<string> _log = [];
    private string? _card;

    public ForestStationTests()
    {
        _device = _meter.Device;
        _harvest = _device.AddAccumulatorChannel("harvest", "g");
        _device.Start();
        _setup.PermitUids[0] = "04A1B2C3";
        _setup.PermitIds[0] = "P-2026-017";
        _setup.PermitCount = 1;
        _setup.Scale.Tare(8_000);
        _setup.Scale.Calibrate(108_000, 5_000); // 5 kg reads 100,000 counts above the tare
        _gpio = new GpioController(new TestGpioDriver { Device = _chip });
        _scale = new Hx711Scale(_gpio, Dout, Sck, _setup.Scale, samples: 3);
    }

    private ForestStation Station() => new(_device, _harvest, _setup, () => _card, _scale.TryWeigh, _log.Add);

    [Fact]
    public void AKnownCard_BooksTheWeighedLoad_OncePerPresentation()
    {
        var station = Station();
        _chip.Enqueue(208_000, 208_000, 208_000); // 10 kg
        _card = "04A1B2C3";

        station.Poll();
        station.Poll(); // the card is still there: no second booking
        Assert.Equal(10_000, _harvest.Register);
        Assert.Equal(1, station.Booked);
        Assert.Contains("forest: booked 10000 g on P-2026-017", _log);

        _card = null;      // taken away ...
        station.Poll();
        _chip.Enqueue(58_000, 58_000, 58_000); // 2.5 kg
        _card = "04A1B2C3"; // ... and presented with the next load
        station.Poll();
        Assert.Equal(12_500, _harvest.Register);
        Assert.Equal(2, station.Booked);
    }

    [Fact]
    public void AnUnknownCard_BooksNothing()
    {
        var station = Station();
        _chip.Enqueue(208_000, 208_000, 208_000);
        _card = "DEADBEEF";
        station.Poll();
        Assert.Equal(0, _harvest.Register);
        Assert.Contains("forest: unknown card DEADBEEF", _log);
    }

    [Fact]
    public void AnEmptyPlatform_BooksNothing()
    {
        var station = Station();
        _chip.Enqueue(8_000, 8_000, 8_000); // the tare: 0 g
        _card = "04A1B2C3";
        station.Poll();
        Assert.Equal(0, station.Booked);
        Assert.Contains(_log, l => l.StartsWith("forest: no weight for P-2026-017", StringComparison.Ordinal));
    }

    public void Dispose()
    {
        _scale.Dispose();
        _gpio.Dispose();
        _meter.Dispose();
    }
}
