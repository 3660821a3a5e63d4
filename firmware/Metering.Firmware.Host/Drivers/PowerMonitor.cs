using System.Device.I2c;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Firmware.Host.Drivers;

/// <summary>An INA219 on a battery or solar line, read by the core's <see cref="Ina219"/> (the ESP32
/// application's PowerMonitor does the same). A failed read reconfigures the chip once: a brown-out
/// clears its calibration, after which current and power read 0.</summary>
public sealed class PowerMonitor
{
    private readonly Ina219 _chip;

    public PowerMonitor(I2cDevice device, int currentLsbUa, int shuntMilliohms)
    {
        ArgumentNullException.ThrowIfNull(device);
        _chip = new Ina219(new I2cDeviceLink(device), currentLsbUa, shuntMilliohms);
        Configured = _chip.Configure();
    }

    /// <summary>Whether the chip answered the configuration at start.</summary>
    public bool Configured { get; }

    public Ina219Reading? Last { get; private set; }

    public bool Poll()
    {
        var reading = new Ina219Reading(); // one a few seconds: Last stays a stable snapshot
        if (!_chip.TryRead(reading) && !(_chip.Configure() && _chip.TryRead(reading))) return false;
        Last = reading;
        return true;
    }
}
