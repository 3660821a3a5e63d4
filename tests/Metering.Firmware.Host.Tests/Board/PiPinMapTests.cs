using Commons.Metering.Firmware.Host.Board;

namespace Commons.Metering.Tests.Board;

/// <summary>Board/raspberry-pi.json against hardware/pinmaps: the docs' pin maps and the Pi's role
/// map cannot drift apart.</summary>
public sealed class PiPinMapTests
{
    [Fact]
    public void TheDefaultMap_HasEveryRoleOfEveryHardwarePinMap()
    {
        var map = PiPinMap.LoadDefault();
        var files = RepoPath.PinMaps();
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var setup = BoardMeter.LoadSetup(file); // the core's parser, as on the ESP32
            for (var i = 0; i < setup.PinCount; i++)
                Assert.True(map.TryGetRole(setup.Pins[i].Role, out _), $"{Path.GetFileName(file)}: role {setup.Pins[i].Role} is not in raspberry-pi.json");
        }
    }

    [Fact]
    public void TheDefaultMap_PutsThePzemOnUart0_AndTheReaderOnSpi0()
    {
        var map = PiPinMap.LoadDefault();
        Assert.Equal("/dev/serial0", map.PzemPort);
        Assert.Equal((0, 0), map.RfidSpi);
        Assert.Equal(15, map.Bcm("pzem_rx"));
        Assert.Equal(8, map.Bcm("rfid_cs"));
        Assert.True(map.TryGetRole("wake_button", out var wake));
        Assert.Null(wake); // a Pi does not deep-sleep
    }

    [Theory]
    [InlineData("""{"board":"p","pins":[{"role":"a","bcm":17,"header":11},{"role":"b","bcm":17,"header":11}]}""", "already used by a")]
    [InlineData("""{"board":"p","pins":[{"role":"a","bcm":17,"header":12}]}""", "header pin 11, not 12")]
    [InlineData("""{"board":"p","pins":[{"role":"a","bcm":1,"header":28}]}""", "not a usable header GPIO")]
    [InlineData("""{"board":"p","pins":[{"role":"pzem_rx","bcm":17,"header":11}]}""", "must be on GPIO15")]
    [InlineData("""{"board":"p","pins":[{"role":"a","bcm":17,"header":11,"pull":"up"}]}""", "pull")]
    [InlineData("""{"board":"p","pins":[{"role":"a","bcm":17,"header":11},{"role":"a","bcm":27,"header":13}]}""", "appears twice")]
    [InlineData("""{"pins":[]}""", "board")]
    public void AMapThatCannotBeRight_IsRefused_NamingTheProblem(string json, string message)
    {
        var e = Assert.Throws<FormatException>(() => PiPinMap.Parse(json));
        Assert.Contains(message, e.Message);
    }
}
