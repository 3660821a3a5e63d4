using System.Device.Gpio;
using Commons.Metering.Firmware.Drivers;
using CoreHx711 = Commons.Metering.Firmware.Drivers.Hx711;

namespace Commons.Metering.Firmware.Host.Drivers;

/// <summary>An HX711 load-cell ADC on two GPIOs. The bit-banged read is the Iot.Device.Bindings
/// binding's (<see cref="Iot.Device.Hx711.Hx711"/>, channel A, gain 128); the filter (median of
/// N), the saturation check and the counts-to-grams calibration are the core's
/// (<see cref="SampleFilter"/>, <see cref="CoreHx711"/>, <see cref="LoadCellCalibration"/>), exactly as
/// `metering calibrate` and the ESP32 application compute them.</summary>
public sealed class Hx711Scale : IDisposable
{
    /// <summary>DOUT falls when a conversion is ready: every 100 ms at 10 SPS (HX711 datasheet, RATE
    /// pin low). Three conversion times without one means the HX711 is unpowered or not wired (the
    /// ESP32 application uses the same limit).</summary>
    public const int ReadyTimeoutMs = 300;

    private const int ReadyPollMs = 5;

    private readonly GpioController _controller;
    private readonly int _doutPin;
    private readonly Iot.Device.Hx711.Hx711 _binding;
    private readonly LoadCellCalibration _calibration;
    private readonly SampleFilter _filter;
    private readonly object _gate = new();

    /// <param name="samples">Conversions per weighing; the median is taken (default 15, the pin maps').</param>
    public Hx711Scale(GpioController controller, int doutPin, int sckPin, LoadCellCalibration calibration, int samples = 15)
    {
        _controller = controller ?? throw new ArgumentNullException(nameof(controller));
        _calibration = calibration ?? throw new ArgumentNullException(nameof(calibration));
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 1);
        _doutPin = doutPin;
        _filter = new SampleFilter(samples);
        // Channel A, gain 128: the +-20 mV full scale suits a load cell at 3.3-5 V excitation
        // (HX711 datasheet, input selection table). The binding opens DOUT as input, PD_SCK as output.
        _binding = new Iot.Device.Hx711.Hx711(doutPin, sckPin,
            new Iot.Device.Hx711.Hx711Options(Iot.Device.Hx711.Hx711Mode.ChannelAGain128, useByteLittleEndian: false),
            controller, shouldDispose: false);
        // The binding turns counts into grams as (counts - offset - tare) / ratio, in doubles. With a
        // ratio of 1 and neither PowerUp (its start-up offset) nor Tare, it hands back the counts
        // exactly (24-bit integers are exact in a double); our calibration does the rest.
        _binding.SetConversionRatio(1);
    }

    public long Conversions { get; private set; }

    /// <summary>One conversion in counts. False when DOUT does not fall within
    /// <see cref="ReadyTimeoutMs"/> (the binding itself would wait for ever) or the value is a
    /// saturation code (0x7FFFFF / 0x800000: input out of range, datasheet).</summary>
    public bool TryReadCounts(out int counts)
    {
        counts = 0;
        lock (_gate)
        {
            var waitedMs = 0;
            while (_controller.Read(_doutPin) == PinValue.High)
            {
                if (waitedMs >= ReadyTimeoutMs) return false;
                Thread.Sleep(ReadyPollMs);
                waitedMs += ReadyPollMs;
            }
            counts = checked((int)_binding.GetWeight(numberOfReads: 1).Grams);
            Conversions++;
            return !CoreHx711.IsSaturated(counts);
        }
    }

    /// <summary>The median of the configured number of conversions, in counts. False when fewer than
    /// half of them succeeded.</summary>
    public bool TryReadMedianCounts(out int counts)
    {
        counts = 0;
        lock (_gate)
        {
            _filter.Clear();
            for (var i = 0; i < _filter.Capacity; i++)
                if (TryReadCounts(out var one)) _filter.Add(one);
            if (_filter.Count * 2 < _filter.Capacity || !_filter.TryMedian(out var median)) return false;
            counts = (int)median;
            return true;
        }
    }

    /// <summary>The load in grams by the core's calibration. False when the HX711 did not answer,
    /// saturated too often, or the scale is not calibrated.</summary>
    public bool TryWeigh(out long grams)
    {
        grams = 0;
        return TryReadMedianCounts(out var counts) && _calibration.TryGrams(counts, out grams);
    }

    public void Dispose() => _binding.Dispose();
}
