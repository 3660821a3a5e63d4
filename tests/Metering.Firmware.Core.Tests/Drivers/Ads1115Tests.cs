using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The ADS1115 against its datasheet (SBAS444) and a 4-20 mA transducer through a shunt.</summary>
public sealed class Ads1115Tests
{
    [Fact]
    public void Config_matches_the_datasheet_example_and_reset_value()
    {
        // Datasheet 9.5.3 example: 0x84 0x83 = AIN0/AIN1, ±2.048 V, continuous, 128 SPS, comparator off.
        Assert.Equal(0x8483, Ads1115.Config(mux: 0, pga: 2, singleShot: false, dataRate: Ads1115.Rate128Sps));
        // Table 8: the config register resets to 0x8583 (the same, single-shot).
        Assert.Equal(0x8583, Ads1115.Config(mux: 0, pga: 2, singleShot: true, dataRate: Ads1115.Rate128Sps));
    }

    [Theory]
    // Table 3 "Ideal output code": +FS/2^15 = 1 LSB; LSB = 62.5 µV at ±2.048 V, 125 µV at ±4.096 V (table 8).
    [InlineData(1, 2, 62)]
    [InlineData(1, 1, 125)]
    [InlineData(-1, 1, -125)]
    [InlineData(16384, 1, 2_048_000)]
    [InlineData(32767, 0, 6_143_812)]
    public void Codes_convert_to_microvolts(int code, int pga, int microvolts)
    {
        Assert.Equal(microvolts, Ads1115.ToMicrovolts(code, Ads1115.FullScaleUv(pga)));
    }

    [Fact]
    public void The_clipping_codes_are_not_values()
    {
        Assert.True(Ads1115.IsClipped(0x7FFF));
        Assert.True(Ads1115.IsClipped(-0x8000));
        Assert.False(Ads1115.IsClipped(0x7FFE));
    }

    [Fact]
    public void A_single_shot_conversion_writes_the_config_polls_OS_and_reads_the_code()
    {
        int busyPolls = 2;
        var chip = new SimulatedI2cDevice();
        chip.Registers[Ads1115.ConversionRegister] = 15840; // 12 mA x 165 Ω = 1.98 V at 125 µV/LSB
        chip.OnRead = (pointer, value) =>
            pointer == Ads1115.ConfigRegister ? (busyPolls-- > 0 ? value & 0x7FFF : value | 0x8000) : value;
        var delay = new CountingDelay();
        var adc = new Ads1115(chip, Ads1115.MuxAin0, Ads1115.Pga4096mV);

        Assert.True(adc.TryConvert(maxPolls: 5, delay, out int microvolts));

        Assert.Equal(new byte[] { 0x01, 0xC3, 0x83 }, Assert.Single(chip.Writes)); // OS, AIN0-GND, ±4.096 V, single-shot
        Assert.Equal(1_980_000, microvolts);
        Assert.Equal(3 * Ads1115.ConversionMs128Sps, delay.TotalMs);
    }

    [Fact]
    public void A_conversion_that_never_completes_or_a_dead_bus_is_no_value()
    {
        var chip = new SimulatedI2cDevice { OnRead = (_, value) => value & 0x7FFF };
        var adc = new Ads1115(chip, Ads1115.MuxAin0, Ads1115.Pga4096mV);
        Assert.False(adc.TryConvert(3, new CountingDelay(), out _));
        chip.Fails = true;
        Assert.False(adc.TryConvert(3, new CountingDelay(), out _));
    }

    [Fact]
    public void A_clipped_conversion_is_no_value()
    {
        var chip = new SimulatedI2cDevice { OnRead = (p, v) => p == Ads1115.ConfigRegister ? 0x8000 : 0x7FFF };
        Assert.False(new Ads1115(chip, Ads1115.MuxAin0, Ads1115.Pga4096mV).TryConvert(3, new CountingDelay(), out _));
    }

    /// <summary>A 0-10 bar (1,000,000 Pa) 4-20 mA transducer through 165 Ω: 0.66 V to 3.30 V.</summary>
    private static AnalogTransducer LoopTransducer() =>
        new(AnalogTransducer.LoopMicrovolts(4000, 165), AnalogTransducer.LoopMicrovolts(20000, 165), 1_000_000);

    [Theory]
    [InlineData(4000, 0)]
    [InlineData(12000, 500_000)]
    [InlineData(20000, 1_000_000)]
    [InlineData(3600, 0)]         // NE43: 3.6 mA is still a (clamped) value
    [InlineData(21000, 1_000_000)] // NE43: up to 21 mA
    public void Loop_current_maps_linearly_to_pascals(int microamps, int pascals)
    {
        Assert.True(LoopTransducer().TryToUnits(AnalogTransducer.LoopMicrovolts(microamps, 165), out int value));
        Assert.Equal(pascals, value);
    }

    [Theory]
    [InlineData(0)]      // broken loop
    [InlineData(3500)]   // NE43 failure signal, below 3.6 mA
    [InlineData(21100)]  // NE43 failure signal, above 21 mA
    public void Loop_current_in_the_NE43_fault_band_is_no_value(int microamps)
    {
        Assert.False(LoopTransducer().TryToUnits(AnalogTransducer.LoopMicrovolts(microamps, 165), out _));
    }

    [Fact]
    public void A_ratiometric_half_to_four_and_a_half_volt_sensor_through_a_two_thirds_divider()
    {
        // 0.5-4.5 V x 2/3 = 333,333-3,000,000 µV at the ADC; 1.2 MPa sensor; 2.5 V -> half scale.
        var sensor = new AnalogTransducer(333_333, 3_000_000, 1_200_000);
        Assert.True(sensor.TryToUnits(1_666_666, out int pascals));
        Assert.Equal(599_999, pascals);
        Assert.False(sensor.TryToUnits(0, out _));
    }
}
