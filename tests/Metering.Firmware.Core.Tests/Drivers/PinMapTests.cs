using System.Text.RegularExpressions;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Tests.Drivers;

/// <summary>hardware/pinmaps/*.json are the single source of the wiring: each parses with the
/// device's own parser (no pin twice, only GPIOs the ESP32 can give) and its wiring diagram names
/// every pin it uses, so the docs and the device cannot disagree.</summary>
public sealed class PinMapTests
{
    private static string[] Variants() =>
        Directory.GetFiles(RepoFiles.Path_("hardware", "pinmaps"), "*.json")
            .Select(p => Path.GetFileNameWithoutExtension(p)).Order().ToArray();

    public static TheoryData<string> PinMaps() => new(Variants());

    private static DeviceSetup Load(string variant)
    {
        byte[] bytes = File.ReadAllBytes(RepoFiles.Path_("hardware", "pinmaps", variant + ".json"));
        var setup = new DeviceSetup();
        string? error = new DeviceSetupParser().Parse(bytes, bytes.Length, setup);
        Assert.True(error == null, $"{variant}.json: {error}");
        return setup;
    }

    [Fact]
    public void There_is_a_pin_map_for_each_node_variant()
    {
        Assert.Equal(["energy-node", "forest-node", "water-node"], Variants());
    }

    [Theory]
    [MemberData(nameof(PinMaps))]
    public void Pin_map_parses_and_names_its_own_variant(string variant)
    {
        DeviceSetup setup = Load(variant);
        Assert.Equal(variant, setup.Variant);
        Assert.True(setup.ChannelCount > 0);
        Assert.Null(setup.Config.MeterId); // identity and secrets come from provisioning, not the pin map
    }

    [Theory]
    [MemberData(nameof(PinMaps))]
    public void Pin_map_uses_no_gpio_twice_and_only_valid_ones(string variant)
    {
        DeviceSetup setup = Load(variant);
        var pins = setup.Pins.Take(setup.PinCount).ToList();
        Assert.Equal(pins.Count, pins.Select(p => p.Gpio).Distinct().Count());
        foreach (PinAssignment pin in pins)
        {
            Assert.DoesNotContain(pin.Gpio, new[] { 6, 7, 8, 9, 10, 11 });
            Assert.True(pin.Gpio < 34 || pin.IsInput && pin.Mode == PinAssignment.ModeInput, $"{pin.Role}: GPIO{pin.Gpio} is input-only");
        }
    }

    [Theory]
    [MemberData(nameof(PinMaps))]
    public void Wiring_diagram_shows_every_pin_of_the_map(string variant)
    {
        DeviceSetup setup = Load(variant);
        string svg = File.ReadAllText(RepoFiles.Path_("hardware", "wiring", variant + ".svg"));
        var shown = Regex.Matches(svg, @"GPIO(\d+)").Select(m => int.Parse(m.Groups[1].Value)).ToHashSet();
        for (int i = 0; i < setup.PinCount; i++)
        {
            Assert.True(shown.Contains(setup.Pins[i].Gpio), $"{variant}.svg does not show GPIO{setup.Pins[i].Gpio} ({setup.Pins[i].Role})");
        }
        var mapped = setup.Pins.Take(setup.PinCount).Select(p => p.Gpio).ToHashSet();
        Assert.True(shown.IsSubsetOf(mapped), $"{variant}.svg shows GPIOs the pin map does not use: {string.Join(",", shown.Except(mapped))}");
    }
}
