using System.Text;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Drivers;

public sealed class DeviceSetupParserTests
{
    private static (string? Error, DeviceSetup Setup) Parse(string json)
    {
        var setup = new DeviceSetup();
        byte[] bytes = Encoding.ASCII.GetBytes(json);
        return (new DeviceSetupParser().Parse(bytes, bytes.Length, setup), setup);
    }

    private const string Pins =
        "\"pins\":[{\"role\":\"reed\",\"gpio\":35,\"mode\":\"in\"},{\"role\":\"valve\",\"gpio\":26,\"mode\":\"out\"}]";
    private const string Channel =
        "\"channels\":[{\"name\":\"main\",\"kind\":\"pulse\",\"unit\":\"mL\",\"source\":\"edge\",\"pin\":\"reed\",\"units\":1000,\"pulses\":1,\"debounce_ms\":50,\"valve\":\"valve\"}]";

    private static string Doc(string pins = Pins, string channels = Channel, string extra = "") =>
        "{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"water-node\"," + pins + "," + channels + extra + "}";

    [Fact]
    public void The_example_device_file_is_deployable_and_every_field_lands()
    {
        string path = RepoFiles.Path_("firmware", "Metering.Firmware.Esp32", "config.example.json");
        byte[] bytes = File.ReadAllBytes(path);
        var setup = new DeviceSetup();

        Assert.Null(new DeviceSetupParser().Parse(bytes, bytes.Length, setup));
        Assert.Null(setup.CheckDeployable());
        Assert.Equal("valle-alto", setup.Config.Community);
        Assert.Equal("w-0001", setup.Config.MeterId);
        Assert.Equal(60000, setup.Config.ReadingIntervalMs);
        Assert.Equal("commons-mesh", setup.WifiSsid);
        Assert.Equal("192.168.50.2", setup.MqttHost);
        Assert.Equal(1883, setup.MqttPort);
        Assert.Equal(2, setup.ChannelCount);
        ChannelSpec garden = setup.Channels[1];
        Assert.Equal(("garden", "pcnt", 1000L, 450L), (garden.Name, garden.Source, garden.UnitsNumerator, garden.PulsesDenominator));
        Assert.Equal(34, setup.GpioOf("flow_garden"));
        Assert.Equal(-1, setup.GpioOf("nothing"));
    }

    [Fact]
    public void A_pin_map_alone_parses_but_is_not_deployable()
    {
        var (error, setup) = Parse(Doc());
        Assert.Null(error);
        Assert.NotNull(setup.CheckDeployable());
    }

    [Theory]
    [InlineData("{\"role\":\"a\",\"gpio\":6,\"mode\":\"in\"}", "SPI flash")]
    [InlineData("{\"role\":\"a\",\"gpio\":11,\"mode\":\"out\"}", "SPI flash")]
    [InlineData("{\"role\":\"a\",\"gpio\":35,\"mode\":\"out\"}", "input-only")]
    [InlineData("{\"role\":\"a\",\"gpio\":36,\"mode\":\"in_pullup\"}", "input-only")]
    [InlineData("{\"role\":\"a\",\"gpio\":16,\"mode\":\"in\"}", "PSRAM")]
    [InlineData("{\"role\":\"a\",\"gpio\":24,\"mode\":\"in\"}", "does not exist")]
    [InlineData("{\"role\":\"a\",\"gpio\":1,\"mode\":\"out\"}", "UART0")]
    [InlineData("{\"role\":\"a\",\"gpio\":12,\"mode\":\"in\"}", "strapping")]
    [InlineData("{\"role\":\"a\",\"gpio\":26,\"mode\":\"in\"}", "used twice")]
    [InlineData("{\"role\":\"reed\",\"gpio\":27,\"mode\":\"in\"}", "declared twice")]
    [InlineData("{\"role\":\"a\",\"gpio\":27,\"mode\":\"open_drain\"}", "pins[].mode")]
    public void Pins_the_ESP32_cannot_give_are_refused_with_the_reason(string extraPin, string reason)
    {
        string pins = Pins.Replace("]", "," + extraPin + "]");
        var (error, _) = Parse(Doc(pins: pins));
        Assert.NotNull(error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Psram_pins_are_free_on_a_wroom_board()
    {
        string pins = Pins.Replace("]", ",{\"role\":\"a\",\"gpio\":16,\"mode\":\"in\"}]");
        var (error, _) = Parse(Doc(pins: pins).Replace("esp32-wrover", "esp32-wroom"));
        Assert.Null(error);
    }

    [Theory]
    [InlineData("\"pin\":\"reed\"", "\"pin\":\"valve\"", "input pin")]
    [InlineData("\"valve\":\"valve\"", "\"valve\":\"reed\"", "output pin")]
    [InlineData("\"debounce_ms\":50", "\"debounce_ms\":0", "debounce_ms > 0")]
    [InlineData("\"unit\":\"mL\"", "\"unit\":\"g\"", "mL (water) or Wh")]
    [InlineData("\"source\":\"edge\"", "\"source\":\"pzem\"", "pcnt or edge")]
    [InlineData("\"kind\":\"pulse\"", "\"kind\":\"register\"", "Wh from the pzem")]
    [InlineData("\"units\":1000,", "", "calibration ratio")]
    [InlineData("\"name\":\"main\"", "\"name\":\"Main\"", "name must match")]
    public void Channels_that_do_not_fit_their_source_or_pins_are_refused(string from, string to, string reason)
    {
        var (error, _) = Parse(Doc(channels: Channel.Replace(from, to)));
        Assert.NotNull(error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void A_sleeping_node_may_not_count_pulses()
    {
        var (error, _) = Parse(Doc(extra: ",\"sleep\":{\"interval_s\":900}"));
        Assert.Contains("cannot count pulses", error);
    }

    [Theory]
    [InlineData("{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"x\",\"colour\":\"red\"}", "unknown key \"colour\"")]
    [InlineData("{\"v\":2,\"board\":\"esp32-wrover\",\"variant\":\"x\"}", "v must be in 1..1")]
    [InlineData("{\"board\":\"esp32-wrover\",\"variant\":\"x\"}", "\"v\": 1 is missing")]
    [InlineData("{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"x\"} x", "text after")]
    [InlineData("{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"x\",}", "expected \"key\"")]
    [InlineData("{\"v\":1,\"board\":\"esp32-wrover\" \"variant\":\"x\"}", "expected ','")]
    [InlineData("{\"v\":1,\"board\":\"esp32-c3\",\"variant\":\"x\"}", "board must be")]
    [InlineData("{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"x\",\"mqtt\":{\"port\":70000}}", "mqtt.port must be in 1..65535")]
    [InlineData("{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"x\",\"wifi\":{\"ssid\":7}}", "wifi.ssid must be a string")]
    [InlineData("{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"x\",\"reading_interval_ms\":1.5}", "must be an integer")]
    [InlineData("[1]", "not a JSON object")]
    public void Malformed_or_unknown_configuration_stops_with_a_message(string json, string reason)
    {
        var (error, _) = Parse(json);
        Assert.NotNull(error);
        Assert.Contains(reason, error);
    }

    [Fact]
    public void Permit_cards_map_uids_to_permits()
    {
        var (error, setup) = Parse(Doc(extra: ",\"permits\":[{\"uid\":\"04A1B2C3\",\"permit\":\"P-2026-017\"},{\"uid\":\"04112233445566\",\"permit\":\"P-2026-018\"}]"));
        Assert.Null(error);
        Assert.Equal("P-2026-017", setup.PermitFor(DeviceSetup.UidToHex([0x04, 0xA1, 0xB2, 0xC3], 4)));
        Assert.Equal("P-2026-018", setup.PermitFor("04112233445566"));
        Assert.Null(setup.PermitFor("DEADBEEF"));
    }

    [Theory]
    [InlineData("04a1b2c3")]
    [InlineData("04A1B2")]
    public void Permit_uids_must_be_upper_case_hex_of_a_real_uid_length(string uid)
    {
        var (error, _) = Parse(Doc(extra: ",\"permits\":[{\"uid\":\"" + uid + "\",\"permit\":\"P-1\"}]"));
        Assert.Contains("upper-case hex", error);
    }

    private const string ForestPins =
        "\"pins\":[{\"role\":\"hx711_dout\",\"gpio\":34,\"mode\":\"in\"},{\"role\":\"hx711_sck\",\"gpio\":33,\"mode\":\"out\"}]";

    [Fact]
    public void Scale_calibration_of_the_accumulator_channel_and_sleep_settings_are_read()
    {
        string json = "{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"forest-node\",\"resource\":\"forest\"," + ForestPins + "," +
            "\"channels\":[{\"name\":\"harvest\",\"kind\":\"accumulator\",\"unit\":\"g\",\"source\":\"hx711\"," +
            "\"offset_counts\":-8120,\"grams_numerator\":5000,\"counts_denominator\":105000,\"samples\":9}]," +
            "\"sleep\":{\"interval_s\":3600,\"awake_max_s\":45}}";
        var (error, setup) = Parse(json);
        Assert.Null(error);
        Assert.Equal((-8120L, 5000L, 105000L, 9), (setup.Scale.OffsetCounts, setup.Scale.GramsNumerator, setup.Scale.CountsDenominator, setup.ScaleSamples));
        Assert.Equal((3600, 45), (setup.SleepIntervalS, setup.AwakeMaxS));
        Assert.Equal("forest", setup.Resource);
        Assert.True(setup.Scale.TryGrams(-8120 + 21000, out long grams));
        Assert.Equal(1000, grams);
    }

    [Fact]
    public void A_board_has_one_hx711_so_one_accumulator_channel()
    {
        string channel = "{\"name\":\"NAME\",\"kind\":\"accumulator\",\"unit\":\"g\",\"source\":\"hx711\"}";
        string json = "{\"v\":1,\"board\":\"esp32-wrover\",\"variant\":\"forest-node\"," + ForestPins + "," +
            "\"channels\":[" + channel.Replace("NAME", "a") + "," + channel.Replace("NAME", "b") + "]}";
        Assert.Contains("one accumulator channel", Parse(json).Error);
    }
}
