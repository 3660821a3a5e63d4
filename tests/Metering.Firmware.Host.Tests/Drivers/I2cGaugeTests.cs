using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The host's ADS1115 pressure gauge and INA219 power monitor through System.Device.I2c's
/// I2cDevice API, with chips that behave as their datasheets say.</summary>
public sealed class I2cGaugeTests
{
    private sealed class NoDelay : IDelay
    {
        public void SleepMs(int milliseconds) { }
    }

    /// <summary>0-10 bar 4-20 mA transducer through 165 Ω.</summary>
    private static AnalogTransducer Loop() => new(660_000, 3_300_000, 1_000_000);

    private static RegisterChip Ads(int code)
    {
        var chip = new RegisterChip(Ads1115.DefaultAddress);
        chip.Registers[Ads1115.ConversionRegister] = code & 0xFFFF;
        chip.Compute = (pointer, value) => pointer == Ads1115.ConfigRegister ? value | 0x8000 : value; // conversion done
        return chip;
    }

    [Fact]
    public void Pressure_gauge_reads_half_scale_at_12_mA()
    {
        var chip = Ads(15840); // 1.98 V at 125 µV/LSB = 12 mA x 165 Ω
        var gauge = new PressureGauge(chip, Loop(), new NoDelay());

        Assert.True(gauge.TryReadPa(out int pa));

        Assert.Equal(500_000, pa);
        Assert.Equal(new byte[] { 0x01, 0xC3, 0x83 }, chip.Writes[0]);
    }

    [Fact]
    public void Pressure_gauge_refuses_a_broken_loop_and_an_unplugged_adc()
    {
        var broken = new PressureGauge(Ads(0), Loop(), new NoDelay());
        Assert.False(broken.TryReadPa(out _));
        Assert.Equal(0, broken.LastMicrovolts);

        var chip = Ads(15840);
        chip.Unplugged = true;
        Assert.False(new PressureGauge(chip, Loop(), new NoDelay()).TryReadPa(out _));
    }

    /// <summary>An INA219 with 100 mV across 0.1 Ω and 12 V on the bus; current and power follow the
    /// datasheet's equations from the calibration register, which a brown-out can clear.</summary>
    private static RegisterChip Ina()
    {
        var chip = new RegisterChip(Ina219.DefaultAddress);
        chip.Registers[Ina219.ShuntRegister] = 10_000;
        chip.Registers[Ina219.BusRegister] = 0x5DC2;
        chip.Compute = (pointer, value) =>
        {
            int cal = chip.Registers.GetValueOrDefault(Ina219.CalibrationRegister);
            int current = 10_000 * cal / 4096;
            return pointer switch
            {
                Ina219.CurrentRegister => current,
                Ina219.PowerRegister => current * 3000 / 5000,
                _ => value,
            };
        };
        return chip;
    }

    [Fact]
    public void Power_monitor_reads_12_watts_and_recovers_from_a_brown_out()
    {
        var chip = Ina();
        var monitor = new PowerMonitor(chip, currentLsbUa: 100, shuntMilliohms: 100);
        Assert.True(monitor.Configured);
        Assert.True(monitor.Poll());
        Assert.Equal((12_000, 1_000_000, 12_000), (monitor.Last!.BusMv, monitor.Last.CurrentUa, monitor.Last.PowerMw));

        chip.Registers[Ina219.CalibrationRegister] = 0; // brown-out: the chip reset
        Assert.True(monitor.Poll());
        Assert.Equal(4096, chip.Registers[Ina219.CalibrationRegister]);
        Assert.Equal(12_000, monitor.Last.PowerMw);
    }

    [Fact]
    public void Power_monitor_unplugged_is_no_reading()
    {
        var chip = Ina();
        chip.Unplugged = true;
        var monitor = new PowerMonitor(chip, 100, 100);
        Assert.False(monitor.Configured);
        Assert.False(monitor.Poll());
        Assert.Null(monitor.Last);
    }
}
