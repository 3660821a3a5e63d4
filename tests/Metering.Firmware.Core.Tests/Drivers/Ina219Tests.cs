using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Tests.Doubles;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The INA219 against its datasheet (SBOS448): the calibration example of section 8.5.1, the
/// register formats of section 8.6, and a simulated chip that computes current and power the way the
/// datasheet's equations say.</summary>
public sealed class Ina219Tests
{
    [Fact]
    public void Calibration_matches_the_datasheet_example()
    {
        // 8.5.1: R_SHUNT = 0.1 Ω, Current_LSB = 100 µA -> Cal = trunc(0.04096 / (0.0001 x 0.1)) = 4096.
        Assert.Equal(4096, Ina219.Calibration(currentLsbUa: 100, shuntMilliohms: 100));
    }

    [Fact]
    public void Calibration_out_of_range_is_refused()
    {
        Assert.Throws<ArgumentException>(() => Ina219.Calibration(1, 1));
        Assert.Throws<ArgumentException>(() => Ina219.Calibration(0, 100));
    }

    [Theory]
    // Table 7 (PGA /8): 0x7D00 = 32000 = +320.00 mV, 0x8300 = -32000 = -320.00 mV; 1 LSB = 10 µV.
    [InlineData(0x7D00, 320_000)]
    [InlineData(0x8300, -320_000)]
    [InlineData(0x0001, 10)]
    [InlineData(0xFFFF, -10)]
    public void Shunt_register_to_microvolts(int register, int microvolts)
    {
        Assert.Equal(microvolts, Ina219.ShuntMicrovolts(register));
    }

    [Fact]
    public void Bus_register_is_bits_15_to_3_at_4_mV_with_CNVR_and_OVF_beside()
    {
        // 12.000 V = 3000 LSB -> 3000 << 3 = 0x5DC0; CNVR (bit 1) set = 0x5DC2.
        Assert.Equal(12_000, Ina219.BusMillivolts(0x5DC2));
        Assert.False(Ina219.Overflow(0x5DC2));
        Assert.True(Ina219.Overflow(0x5DC3));
        Assert.Equal(32_764, Ina219.BusMillivolts(0xFFF8)); // full scale of the 32 V range
    }

    /// <summary>A chip with a shunt voltage and bus voltage applied; current and power registers follow
    /// equations 3 and 4 (section 8.5.1) from the calibration written, and are 0 until it is.</summary>
    private static SimulatedI2cDevice Chip(int shuntRegister, int busRegister)
    {
        var chip = new SimulatedI2cDevice();
        chip.Registers[Ina219.ShuntRegister] = shuntRegister;
        chip.Registers[Ina219.BusRegister] = busRegister;
        chip.OnRead = (pointer, value) =>
        {
            int cal = chip.Registers.GetValueOrDefault(Ina219.CalibrationRegister);
            int current = (short)shuntRegister * cal / 4096;
            return pointer switch
            {
                Ina219.CurrentRegister => current & 0xFFFF,
                Ina219.PowerRegister => Math.Abs(current) * (busRegister >> 3) / 5000,
                _ => value,
            };
        };
        return chip;
    }

    [Fact]
    public void Configure_writes_the_config_and_the_calibration()
    {
        var chip = Chip(0, 0);
        Assert.True(new Ina219(chip, 100, 100).Configure());
        Assert.Equal(new byte[] { 0x00, 0x39, 0x9F }, chip.Writes[0]);
        Assert.Equal(new byte[] { 0x05, 0x10, 0x00 }, chip.Writes[1]);
    }

    [Fact]
    public void One_ampere_through_a_tenth_of_an_ohm_at_12_volts_reads_12_watts()
    {
        var chip = Chip(shuntRegister: 10_000, busRegister: 0x5DC2); // 100.00 mV, 12.000 V
        var monitor = new Ina219(chip, 100, 100);
        Assert.True(monitor.Configure());
        var reading = new Ina219Reading();

        Assert.True(monitor.TryRead(reading));

        Assert.Equal(12_000, reading.BusMv);
        Assert.Equal(100_000, reading.ShuntUv);
        Assert.Equal(1_000_000, reading.CurrentUa);
        Assert.Equal(12_000, reading.PowerMw); // 6000 x Power_LSB 2 mW
    }

    [Fact]
    public void A_charging_current_is_negative()
    {
        var chip = Chip(shuntRegister: 0x10000 - 5_000, busRegister: 0x6A40); // -50 mV, 13.6 V
        var monitor = new Ina219(chip, 100, 100);
        monitor.Configure();
        var reading = new Ina219Reading();
        Assert.True(monitor.TryRead(reading));
        Assert.Equal(-500_000, reading.CurrentUa);
        Assert.Equal(13_600, reading.BusMv);
    }

    [Fact]
    public void A_chip_that_lost_its_calibration_an_overflow_or_a_dead_bus_is_no_reading()
    {
        var reading = new Ina219Reading();
        Assert.False(new Ina219(Chip(10_000, 0x5DC2), 100, 100).TryRead(reading)); // never configured: cal reads 0

        var overflow = Chip(10_000, 0x5DC3);
        var monitor = new Ina219(overflow, 100, 100);
        monitor.Configure();
        Assert.False(monitor.TryRead(reading));

        var dead = Chip(10_000, 0x5DC2);
        var deadMonitor = new Ina219(dead, 100, 100);
        deadMonitor.Configure();
        dead.Fails = true;
        Assert.False(deadMonitor.TryRead(reading));
    }
}
