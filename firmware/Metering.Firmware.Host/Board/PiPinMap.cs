using System.Text.Json;
using System.Text.Json.Serialization;

namespace Commons.Metering.Firmware.Host.Board;

/// <summary>Where the roles of the pin maps (hardware/pinmaps, the device configuration) go on a
/// Raspberry-Pi-class board: a BCM GPIO per role, the serial port of the PZEM and the SPI bus of
/// the MFRC522. The device configuration keeps its ESP32 GPIO numbers (it is the same file the
/// ESP32 reads); on a Pi only the roles count. Data file: Board/raspberry-pi.json (copied to Board/
/// beside the assembly).</summary>
public sealed class PiPinMap
{
    /// <summary>BCM GPIO → physical pin of the 40-pin header (Raspberry Pi pinout, identical on
    /// the Pi 2/3/4/5 and Zero). GPIO0/1 (header 27/28) are the HAT ID EEPROM's bus and not offered.</summary>
    private static readonly Dictionary<int, int> HeaderOfBcm = new()
    {
        [2] = 3, [3] = 5, [4] = 7, [14] = 8, [15] = 10, [17] = 11, [18] = 12, [27] = 13, [22] = 15, [23] = 16,
        [24] = 18, [10] = 19, [9] = 21, [25] = 22, [11] = 23, [8] = 24, [7] = 26, [5] = 29, [6] = 31,
        [12] = 32, [13] = 33, [19] = 35, [16] = 36, [26] = 37, [20] = 38, [21] = 40,
    };

    /// <summary>Pins whose function is fixed by the peripheral the role needs: UART0 TXD/RXD and
    /// SPI0 SCLK/MISO/MOSI/CE0/CE1 (BCM2835 peripherals, ALT0 functions).</summary>
    private static readonly Dictionary<string, int[]> FixedRoles = new(StringComparer.Ordinal)
    {
        ["pzem_rx"] = [15], ["pzem_tx"] = [14],
        ["rfid_sck"] = [11], ["rfid_miso"] = [9], ["rfid_mosi"] = [10], ["rfid_cs"] = [8, 7],
    };

    public const string DefaultFileName = "raspberry-pi.json";

    private readonly Dictionary<string, int?> _bcmOfRole;

    private PiPinMap(File file, Dictionary<string, int?> bcmOfRole)
    {
        Board = file.Board;
        PzemPort = file.Serial?.Pzem;
        RfidSpi = file.Spi?.Rfid is { } s ? (s.Bus, s.ChipSelect) : null;
        _bcmOfRole = bcmOfRole;
    }

    public string Board { get; }

    /// <summary>Serial device of the PZEM-004T (e.g. /dev/serial0), or null.</summary>
    public string? PzemPort { get; }

    /// <summary>SPI bus and chip select of the MFRC522, or null.</summary>
    public (int Bus, int ChipSelect)? RfidSpi { get; }

    public IReadOnlyCollection<string> Roles => _bcmOfRole.Keys;

    /// <summary>A map with one role on a GPIO given on the command line (`simulator device --pulse-pin`),
    /// not checked against the header table: the operator chose the pin.</summary>
    public static PiPinMap Single(string role, int bcm) =>
        new(new File("command line", null, null, null, null), new Dictionary<string, int?>(StringComparer.Ordinal) { [role] = bcm });

    /// <summary>Board/raspberry-pi.json beside the assembly (copied there from the source tree).</summary>
    public static PiPinMap LoadDefault() => Load(Path.Combine(AppContext.BaseDirectory, "Board", DefaultFileName));

    public static PiPinMap Load(string path) => Parse(System.IO.File.ReadAllText(path), path);

    /// <summary>Strict: unknown keys, a GPIO used twice or not on the header, a header number that
    /// does not match its GPIO, or a UART/SPI role off its peripheral's pin are errors.</summary>
    public static PiPinMap Parse(string json, string source = "pin map")
    {
        File file;
        try
        {
            file = JsonSerializer.Deserialize<File>(json, Json) ?? throw new FormatException($"{source}: empty");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: {e.Message}", e);
        }
        if (string.IsNullOrEmpty(file.Board)) throw new FormatException($"{source}: board is missing");
        var roles = new Dictionary<string, int?>(StringComparer.Ordinal);
        var used = new Dictionary<int, string>();
        foreach (var pin in file.Pins ?? [])
        {
            var what = $"{source}: role {pin.Role}";
            if (string.IsNullOrEmpty(pin.Role)) throw new FormatException($"{source}: a pin without a role");
            if (!roles.TryAdd(pin.Role, pin.Bcm)) throw new FormatException($"{what} appears twice");
            if (pin.Bcm is not { } bcm)
            {
                if (pin.Header is not null) throw new FormatException($"{what}: a header pin without a GPIO");
                continue;
            }
            if (!HeaderOfBcm.TryGetValue(bcm, out var header)) throw new FormatException($"{what}: GPIO{bcm} is not a usable header GPIO");
            if (pin.Header != header) throw new FormatException($"{what}: GPIO{bcm} is header pin {header}, not {pin.Header}");
            if (!used.TryAdd(bcm, pin.Role)) throw new FormatException($"{what}: GPIO{bcm} is already used by {used[bcm]}");
            if (FixedRoles.TryGetValue(pin.Role, out var allowed) && !allowed.Contains(bcm))
                throw new FormatException($"{what} must be on GPIO{string.Join(" or GPIO", allowed)} (UART0/SPI0)");
        }
        return new PiPinMap(file, roles);
    }

    /// <summary>True when the role is in the map; <paramref name="bcm"/> is null for a role the
    /// host does not use (e.g. wake_button).</summary>
    public bool TryGetRole(string role, out int? bcm) => _bcmOfRole.TryGetValue(role, out bcm);

    /// <summary>The BCM GPIO of a role, or null when the role is unknown or unused here.</summary>
    public int? Bcm(string? role) => role is not null && _bcmOfRole.TryGetValue(role, out var bcm) ? bcm : null;

    private static readonly JsonSerializerOptions Json = new()
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    private sealed record File(string Board, string? Description, SerialPorts? Serial, SpiBuses? Spi, Pin[]? Pins);

    private sealed record SerialPorts(string? Pzem);

    private sealed record SpiBuses(SpiBus? Rfid);

    private sealed record SpiBus(int Bus, int ChipSelect);

    private sealed record Pin(string Role, int? Bcm, int? Header, string? Note);
}
