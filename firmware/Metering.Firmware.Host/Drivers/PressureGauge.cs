using System.Device.I2c;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Firmware.Host.Drivers;

/// <summary>A pressure transducer (4-20 mA through a shunt, or 0.5-4.5 V through a divider) on an
/// ADS1115's AIN0, read by the core's <see cref="Ads1115"/> and <see cref="AnalogTransducer"/> (the
/// ESP32 application's PressureGauge does the same).</summary>
public sealed class PressureGauge
{
    /// <summary>At 128 SPS one 8 ms wait suffices; 4 polls leave room for the oscillator's -10%.</summary>
    public const int MaxPolls = 4;

    private readonly Ads1115 _adc;
    private readonly AnalogTransducer _transducer;
    private readonly IDelay _delay;

    public PressureGauge(I2cDevice device, AnalogTransducer transducer, IDelay? delay = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentNullException.ThrowIfNull(transducer);
        // ±4.096 V: the 3.30 V top of a 4-20 mA loop through 165 Ω, with margin for NE43's 21 mA.
        _adc = new Ads1115(new I2cDeviceLink(device), Ads1115.MuxAin0, Ads1115.Pga4096mV);
        _transducer = transducer;
        _delay = delay ?? new ThreadDelay();
    }

    /// <summary>The signal of the last conversion in µV (also when it fell in the fault band).</summary>
    public int LastMicrovolts { get; private set; }

    /// <summary>Pressure in Pa; false on a bus failure, a clipped code or a signal in the fault band.</summary>
    public bool TryReadPa(out int pressurePa)
    {
        pressurePa = 0;
        if (!_adc.TryConvert(MaxPolls, _delay, out int microvolts)) return false;
        LastMicrovolts = microvolts;
        return _transducer.TryToUnits(microvolts, out pressurePa);
    }
}
