using System.Text;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>The configuration's `gauges` section: each sensor on its pins or I2C address with its
/// calibration, and a clear refusal naming the gauge for anything the board could not run.</summary>
public sealed class DeviceSetupGaugeTests
{
    private const string Pins =
        "\"pins\":[{\"role\":\"level_rx\",\"gpio\":39,\"mode\":\"in\"},{\"role\":\"level_tx\",\"gpio\":4,\"mode\":\"out\"}," +
        "{\"role\":\"i2c_sda\",\"gpio\":21,\"mode\":\"out\"},{\"role\":\"i2c_scl\",\"gpio\":22,\"mode\":\"out\"}," +
        "{\"role\":\"pzem_rx\",\"gpio\":36,\"mode\":\"in\"},{\"role\":\"pzem_tx\",\"gpio\":33,\"mode\":\"out\"}]";

    private const string Tank = "{\"name\":\"level_mm\",\"sensor\":\"a02yyuw\",\"sensor_to_floor_mm\":3200}";
    private const string Well = "{\"name\":\"well_pa\",\"sensor\":\"ads1115\",\"quantity\":\"pressure_pa\",\"address\":72,\"zero_uv\":660000,\"full_uv\":3300000,\"full_scale\":1000000}";
    private const string Battery = "{\"name\":\"battery_mv\",\"sensor\":\"ina219\",\"quantity\":\"voltage_mv\",\"address\":64,\"current_lsb_ua\":100,\"shunt_milliohms\":100}";
    private const string BatteryCurrent = "{\"name\":\"battery_ma\",\"sensor\":\"ina219\",\"quantity\":\"current_ma\",\"address\":64,\"current_lsb_ua\":100,\"shunt_milliohms\":100}";
    private const string Feeder = "{\"name\":\"load_w\",\"sensor\":\"pzem\",\"quantity\":\"power_w\"}";

    private static (string? Error, DeviceSetup Setup) Parse(string gauges, string pins = Pins)
    {
        string json = "{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"reservoir-node\"," + pins + ",\"gauges\":[" + gauges + "]}";
        var setup = new DeviceSetup();
        byte[] bytes = Encoding.ASCII.GetBytes(json);
        return (new DeviceSetupParser().Parse(bytes, bytes.Length, setup), setup);
    }

    [Fact]
    public void Every_sensor_of_the_kit_lands_with_its_settings()
    {
        var (error, s) = Parse(string.Join(",", Tank, Well, Battery, BatteryCurrent, Feeder));

        Assert.Null(error);
        Assert.Equal(5, s.GaugeCount);
        GaugeSpec tank = s.Gauges[0], well = s.Gauges[1], battery = s.Gauges[2], feeder = s.Gauges[4];
        Assert.Equal(("level_mm", "a02yyuw", "level_mm", 3200, -1), (tank.Name, tank.Sensor, tank.Quantity, tank.SensorToFloorMm, tank.Address));
        Assert.Equal(("pressure_pa", 0x48, 660000, 3300000, 1000000), (well.Quantity, well.Address, well.ZeroUv, well.FullUv, well.FullScale));
        Assert.Equal(("voltage_mv", 0x40, 100, 100), (battery.Quantity, battery.Address, battery.CurrentLsbUa, battery.ShuntMilliohms));
        Assert.Equal(("power_w", "pzem"), (feeder.Quantity, feeder.Sensor));
        Assert.True(well.OnI2c && battery.OnI2c && !tank.OnI2c && !feeder.OnI2c);
    }

    [Fact]
    public void A_gauge_only_node_is_deployable_once_it_has_an_identity()
    {
        string json = "{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"reservoir-node\",\"community\":\"valle-alto\",\"meter\":\"reservoir\"," +
            "\"wifi\":{\"ssid\":\"mesh\"},\"mqtt\":{\"host\":\"10.0.0.2\"}," + Pins + ",\"gauges\":[" + Tank + "]}";
        var setup = new DeviceSetup();
        byte[] bytes = Encoding.ASCII.GetBytes(json);

        Assert.Null(new DeviceSetupParser().Parse(bytes, bytes.Length, setup));
        Assert.Null(setup.CheckDeployable());
        Assert.Equal("no channels and no gauges", new DeviceSetup { Config = { Community = "c", MeterId = "m" }, WifiSsid = "w", MqttHost = "h" }.CheckDeployable());
    }

    [Theory]
    [InlineData(Tank, "\"sensor\":\"a02yyuw\"", "\"sensor\":\"jsn-sr04t\"", "gauge level_mm: sensor must be a02yyuw, ads1115, ina219 or pzem")]
    [InlineData(Tank, "\"name\":\"level_mm\"", "\"name\":\"Level\"", "gauge Level: name must match")]
    [InlineData(Tank, ",\"sensor_to_floor_mm\":3200", "", "gauge level_mm: sensor_to_floor_mm")]
    [InlineData(Tank, "3200", "5000", "gauges[].sensor_to_floor_mm must be in 30..4500")]
    [InlineData(Tank, "}", ",\"quantity\":\"pressure_pa\"}", "gauge level_mm: an a02yyuw measures level_mm")]
    [InlineData(Well, "\"address\":72", "\"address\":64", "gauge well_pa: an ads1115's address is 72..75")]
    [InlineData(Well, "\"quantity\":\"pressure_pa\"", "\"quantity\":\"power_w\"", "gauge well_pa: an ads1115 transducer measures pressure_pa or level_mm")]
    [InlineData(Well, ",\"full_scale\":1000000", "", "gauge well_pa: zero_uv, full_uv and full_scale")]
    [InlineData(Well, "\"full_uv\":3300000", "\"full_uv\":600000", "gauge well_pa: full_uv must be above zero_uv")]
    [InlineData(Well, "\"full_uv\":3300000", "\"full_uv\":5000000", "gauges[].full_uv must be in 0..4096000")]
    [InlineData(Battery, "\"address\":64", "\"address\":80", "gauge battery_mv: an ina219's address is 64..79")]
    [InlineData(Battery, "\"shunt_milliohms\":100", "\"shunt_milliohms\":1", "gauge battery_mv: INA219 calibration out of range")]
    [InlineData(Battery, ",\"current_lsb_ua\":100", "", "gauge battery_mv: current_lsb_ua and shunt_milliohms are required")]
    [InlineData(Battery, "\"quantity\":\"voltage_mv\"", "\"quantity\":\"charge_pct\"", "gauge battery_mv: an ina219 measures voltage_mv, current_ma or power_w")]
    [InlineData(Feeder, "\"quantity\":\"power_w\"", "\"quantity\":\"level_mm\"", "gauge load_w: a pzem gauge measures power_w")]
    [InlineData(Feeder, "}", ",\"colour\":1}", "unknown key \"colour\" in gauges[]")]
    public void A_gauge_the_board_could_not_run_is_refused_naming_it(string gauge, string from, string to, string reason)
    {
        Assert.Contains(from, gauge);
        var (error, _) = Parse(gauge.Replace(from, to, StringComparison.Ordinal));
        Assert.NotNull(error);
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("level_rx", "the a02yyuw needs pins level_rx (in) and level_tx (out)", Tank)]
    [InlineData("i2c_sda", "i2c sensors need pins i2c_sda (out) and i2c_scl (out)", Well)]
    [InlineData("i2c_scl", "i2c sensors need pins i2c_sda (out) and i2c_scl (out)", Battery)]
    [InlineData("pzem_tx", "the pzem needs pins pzem_rx (in) and pzem_tx (out)", Feeder)]
    public void A_gauge_without_its_sensor_pins_is_refused(string missingRole, string reason, string gauge)
    {
        string pins = Pins.Replace("\"role\":\"" + missingRole + "\"", "\"role\":\"spare\"", StringComparison.Ordinal);
        var (error, _) = Parse(gauge, pins);
        Assert.NotNull(error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void I2c_lines_on_input_only_pins_are_refused_by_the_pin_check()
    {
        var (error, _) = Parse(Well, Pins.Replace("\"gpio\":21", "\"gpio\":34", StringComparison.Ordinal));
        Assert.NotNull(error);
        Assert.Contains("input-only", error);
    }

    [Theory]
    [InlineData(Tank + "," + Tank, "declared twice")]
    [InlineData(Tank + "," + "{\"name\":\"tank2_mm\",\"sensor\":\"a02yyuw\",\"sensor_to_floor_mm\":2000}", "one a02yyuw per board")]
    [InlineData(Well + "," + "{\"name\":\"pipe_pa\",\"sensor\":\"ads1115\",\"quantity\":\"pressure_pa\",\"address\":72,\"zero_uv\":1,\"full_uv\":2,\"full_scale\":3}", "the ads1115 at 72 already serves gauge well_pa")]
    [InlineData(Battery + "," + "{\"name\":\"adc\",\"sensor\":\"ads1115\",\"quantity\":\"pressure_pa\",\"address\":64,\"zero_uv\":1,\"full_uv\":2,\"full_scale\":3}", "gauge adc: an ads1115's address is 72..75")]
    [InlineData("{\"name\":\"adc\",\"sensor\":\"ads1115\",\"quantity\":\"pressure_pa\",\"address\":72,\"zero_uv\":1,\"full_uv\":2,\"full_scale\":3},{\"name\":\"bat\",\"sensor\":\"ina219\",\"quantity\":\"power_w\",\"address\":72,\"current_lsb_ua\":100,\"shunt_milliohms\":100}", "I2C address 72 is also the ads1115 of gauge adc")]
    [InlineData(Battery + "," + "{\"name\":\"battery_w\",\"sensor\":\"ina219\",\"quantity\":\"power_w\",\"address\":64,\"current_lsb_ua\":200,\"shunt_milliohms\":100}", "another current_lsb_ua or shunt_milliohms")]
    [InlineData(Battery + "," + "{\"name\":\"battery2\",\"sensor\":\"ina219\",\"quantity\":\"voltage_mv\",\"address\":64,\"current_lsb_ua\":100,\"shunt_milliohms\":100}", "already gives voltage_mv to gauge battery_mv")]
    public void Gauges_that_cannot_share_a_board_are_refused(string gauges, string reason)
    {
        var (error, _) = Parse(gauges);
        Assert.NotNull(error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void At_most_eight_gauges()
    {
        var many = Enumerable.Range(0, 9).Select(i => "{\"name\":\"p" + i + "\",\"sensor\":\"pzem\",\"quantity\":\"power_w\"}");
        var (error, _) = Parse(string.Join(",", many));
        Assert.Equal("at most 8 gauges (docs/protocol.md, gauge)", error);
    }

    [Fact]
    public void One_ina219_gives_voltage_current_and_power_in_their_units()
    {
        // Datasheet 8.5.1 example scale (100 µA LSB): 12.4 V bus, -1.5 A (charging), 18.6 W.
        var reading = new Ina219Reading { BusMv = 12_400, CurrentUa = -1_500_000, PowerMw = 18_600 };
        Assert.True(GaugeValues.FromIna219(reading, "voltage_mv", out int mv));
        Assert.True(GaugeValues.FromIna219(reading, "current_ma", out int ma));
        Assert.True(GaugeValues.FromIna219(reading, "power_w", out int w));
        Assert.Equal((12_400, -1_500, 18), (mv, ma, w));
        Assert.False(GaugeValues.FromIna219(reading, "level_mm", out _));
    }

    [Fact]
    public void A_pzem_gives_the_feeder_power_voltage_and_current_in_their_units()
    {
        // PZEM-004T v3 registers (0.1 V, 1 mA, 0.1 W): 230.1 V, 21.345 A, 4,912.3 W.
        var reading = new PzemReading { VoltageDeciV = 2301, CurrentMilliA = 21_345, PowerDeciW = 49_123 };
        Assert.True(GaugeValues.FromPzem(reading, "power_w", out int w));
        Assert.True(GaugeValues.FromPzem(reading, "voltage_mv", out int mv));
        Assert.True(GaugeValues.FromPzem(reading, "current_ma", out int ma));
        Assert.Equal((4_912, 230_100, 21_345), (w, mv, ma));
        Assert.False(GaugeValues.FromPzem(reading, "charge_pct", out _));
    }
}
