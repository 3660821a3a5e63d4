using System.Device.Gpio;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Drivers;
using CoreHx711 = Commons.Metering.Firmware.Drivers.Hx711;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The HX711 through Iot.Device.Bindings' bit-banging and the core's conversion, against a
/// simulated chip on the GPIO driver seam (<see cref="Hx711Chip"/>: the datasheet's serial
/// interface). What needs a real board: the timing (PD_SCK high must stay under 60 us, or the chip
/// powers down) and the analogue side.</summary>
public sealed class Hx711ScaleTests : IDisposable
{
    private const int Dout = 5, Sck = 6; // raspberry-pi.json: hx711_dout, hx711_sck
    private readonly TestGpioDriver _driver = new();
    private readonly Hx711Chip _chip = new(Dout, Sck);
    private readonly GpioController _gpio;

    public Hx711ScaleTests()
    {
        _driver.Device = _chip;
        _gpio = new GpioController(_driver);
    }

    [Theory]
    [InlineData(0x000001, 1)]
    [InlineData(0x7FFFFE, 8_388_606)]
    [InlineData(0x800001, -8_388_607)]   // datasheet output coding: two's complement
    [InlineData(0xFFFFFF, -1)]
    public void TryReadCounts_DecodesTheDatasheetOutputCoding(int raw24, int counts)
    {
        using var scale = new Hx711Scale(_gpio, Dout, Sck, new LoadCellCalibration(), samples: 1);
        _chip.Enqueue(raw24);

        Assert.True(scale.TryReadCounts(out var read));
        Assert.Equal(counts, read);
    }

    [Theory]
    [InlineData(0x7FFFFF)]   // datasheet: saturated at 7FFFFFh (MAX) ...
    [InlineData(0x800000)]   // ... or 800000h (MIN) when the input is out of range
    public void TryReadCounts_RefusesSaturationCodes(int raw24)
    {
        using var scale = new Hx711Scale(_gpio, Dout, Sck, new LoadCellCalibration(), samples: 1);
        _chip.Enqueue(raw24);
        Assert.False(scale.TryReadCounts(out _));
    }

    [Fact]
    public void EachRead_ClocksTheCorePulseCountForGain128()
    {
        using var scale = new Hx711Scale(_gpio, Dout, Sck, new LoadCellCalibration(), samples: 1);
        _chip.Enqueue(0x001000, 0x002000);
        Assert.True(scale.TryReadCounts(out _));
        Assert.True(scale.TryReadCounts(out _));

        Assert.Equal([CoreHx711.PulsesPerRead(128)], _chip.PulsesPerRead); // the first read, finished by the second
        Assert.Equal(PinMode.Output, _driver.Modes[Sck]);
        Assert.Equal(PinMode.Input, _driver.Modes[Dout]);
    }

    [Fact]
    public void TryWeigh_MedianOfTheSamples_ThroughTheCoreCalibration()
    {
        // Tare at 8,000 counts; a 5 kg reference read 108,000 (metering calibrate: 5000 g per 100,000 counts).
        var calibration = new LoadCellCalibration();
        calibration.Tare(8_000);
        calibration.Calibrate(108_000, 5_000);
        using var scale = new Hx711Scale(_gpio, Dout, Sck, calibration, samples: 5);
        // A 12.5 kg load reads 258,000; one spike and one saturated conversion among five.
        _chip.Enqueue(258_000, 257_990, 0x7FFFFF, 258_010, 0x700000);

        Assert.True(scale.TryWeigh(out var grams));
        Assert.Equal(12_500, grams); // the saturated code dropped, the middle of 257,990 / 258,000 / 258,010 / 7,340,032: (258,00x - 8,000) x 5000 / 100,000
    }

    [Fact]
    public void TryWeigh_NoHx711Answering_FailsWithinTheReadyTimeout()
    {
        var calibration = new LoadCellCalibration();
        calibration.Tare(0);
        calibration.Calibrate(1_000, 1);
        using var scale = new Hx711Scale(_gpio, Dout, Sck, calibration, samples: 3);
        // Nothing queued: DOUT stays high, as with the HX711 unpowered or not wired.
        var watch = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(scale.TryWeigh(out _));
        Assert.InRange(watch.ElapsedMilliseconds, 3 * Hx711Scale.ReadyTimeoutMs - 50, 30_000);
        Assert.Equal(0, scale.Conversions);
    }

    public void Dispose() => _gpio.Dispose();
}
