using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Commons.Metering.Firmware.Drivers;

namespace Commons.Metering.Cli;

/// <summary>What provision adds to a pin map to make a device's I:\config.json.</summary>
internal sealed record DeviceSettings
{
    public required string Community { get; init; }
    public required string Meter { get; init; }
    public required string Resource { get; init; }
    public required string Firmware { get; init; }
    public required string MqttHost { get; init; }
    public required int MqttPort { get; init; }
    public required string MqttPassword { get; init; }
    public required string WifiSsid { get; init; }
    public required string WifiPassword { get; init; }

    /// <summary>Null: the pin map's value, else the core's default (the key is not written).</summary>
    public int? ReadingIntervalMs { get; init; }
    public int? PersistIntervalMs { get; init; }
    public IReadOnlyList<ChannelOverride> Overrides { get; init; } = [];
}

/// <summary>Why provision stops before writing anything, and the exit code (ExitCodes) it stops with.</summary>
internal sealed class ProvisionRefusedException(int exitCode, string message) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}

/// <summary>Builds config.json in the device's own format (firmware/README.md, "The device
/// configuration file"): the pin map of the variant (board, pins, channels) plus identity, network,
/// credentials, intervals and the technician's calibrations, checked with the device's own parser
/// (<see cref="DeviceSetupParser"/>), so a file the device would refuse is never written.</summary>
internal static class DeviceConfigBuilder
{
    /// <summary>firmware/Metering.Firmware.Esp32/Board/ConfigFile.cs, MaxBytes: the device reads at most this.</summary>
    public const int MaxBytes = 8192;

    /// <summary>Keys that belong to one device, never to a pin map (firmware/README.md).</summary>
    private static readonly string[] DeviceOnlyKeys = ["resource", "community", "meter", "firmware", "wifi", "mqtt", "seq_floor"];

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>The UTF-8 text of config.json and the setup the device parses from it.</summary>
    public static (byte[] Utf8, DeviceSetup Setup) Build(string pinMapPath, string variant, DeviceSettings s)
    {
        var (map, mapSetup) = LoadPinMap(pinMapPath, variant);
        var unit = Ids.UnitOf[s.Resource];
        for (var i = 0; i < mapSetup.ChannelCount; i++)
        {
            if (mapSetup.Channels[i].Unit != unit)
                throw new ProvisionRefusedException(ExitCodes.Usage, $"variant {variant} counts {mapSetup.Channels[i].Unit} (channel {mapSetup.Channels[i].Name}); " +
                                                                     $"--resource {s.Resource} counts {unit}: choose a {s.Resource} variant with --variant");
        }

        var config = new JsonObject
        {
            ["v"] = 1,
            ["description"] = $"{s.Community}/{s.Meter}, written by metering provision from pin map {variant}. {map["description"]?.GetValue<string>()}".TrimEnd(),
            ["board"] = map["board"]?.DeepClone(),
            ["variant"] = variant,
            ["resource"] = s.Resource,
            ["community"] = s.Community,
            ["meter"] = s.Meter,
            ["firmware"] = s.Firmware,
        };
        if (s.ReadingIntervalMs is { } reading) config["reading_interval_ms"] = reading;
        if (s.PersistIntervalMs is { } persist) config["persist_interval_ms"] = persist;
        config["wifi"] = new JsonObject { ["ssid"] = s.WifiSsid, ["password"] = s.WifiPassword };
        config["mqtt"] = new JsonObject { ["host"] = s.MqttHost, ["port"] = s.MqttPort, ["user"] = s.Meter, ["password"] = s.MqttPassword };
        foreach (var (key, value) in map)
        {
            if (!config.ContainsKey(key)) config[key] = value?.DeepClone();
        }
        if (config["channels"] is not JsonArray channels) throw new ProvisionRefusedException(ExitCodes.FileError, $"pin map {pinMapPath} has no channels");
        foreach (var o in s.Overrides) Apply(channels, o, variant);

        // The default encoder writes every non-ASCII character as \uXXXX, which the device's
        // JsonCursor decodes; raw UTF-8 it would read byte by byte.
        var utf8 = Encoding.UTF8.GetBytes(config.ToJsonString(Indented) + "\n");
        if (utf8.Length > MaxBytes)
            throw new ProvisionRefusedException(ExitCodes.Usage, $"config.json would be {utf8.Length} bytes; the device reads at most {MaxBytes}");
        var setup = new DeviceSetup();
        var error = new DeviceSetupParser().Parse(utf8, utf8.Length, setup) ?? setup.CheckDeployable();
        if (error is not null) throw new ProvisionRefusedException(ExitCodes.Usage, $"the device would refuse this configuration: {error}");
        CheckReadBack(setup, s);
        return (utf8, setup);
    }

    private static (JsonObject Map, DeviceSetup Setup) LoadPinMap(string path, string variant)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ProvisionRefusedException(ExitCodes.FileError, $"cannot read pin map {path}: {e.Message}");
        }
        var setup = new DeviceSetup();
        if (new DeviceSetupParser().Parse(bytes, bytes.Length, setup) is { } error)
            throw new ProvisionRefusedException(ExitCodes.FileError, $"pin map {path} is refused by the device's parser: {error}");
        if (setup.Variant != variant)
            throw new ProvisionRefusedException(ExitCodes.FileError, $"pin map {path} names variant '{setup.Variant}', not '{variant}'");
        var map = (JsonObject)JsonNode.Parse(bytes)!; // the device's parser accepted it: a JSON object
        if (DeviceOnlyKeys.FirstOrDefault(map.ContainsKey) is { } key)
            throw new ProvisionRefusedException(ExitCodes.FileError, $"pin map {path} holds '{key}': a pin map has no identity, network or secrets");
        return (map, setup);
    }

    /// <summary>Replaces a channel's calibration with a `--channel NAME=VALUE` in the form its kind takes.</summary>
    private static void Apply(JsonArray channels, ChannelOverride o, string variant)
    {
        var names = channels.Select(c => c?["name"]?.GetValue<string>()).ToList();
        var channel = channels.FirstOrDefault(c => c?["name"]?.GetValue<string>() == o.Name) as JsonObject
            ?? throw new ProvisionRefusedException(ExitCodes.Usage, $"--channel {o}: pin map {variant} has no channel '{o.Name}' (its channels: {string.Join(", ", names)})");
        try
        {
            switch (channel["kind"]?.GetValue<string>())
            {
                case Firmware.Drivers.ChannelSpec.KindPulse:
                    var (units, pulses) = ChannelOverrideParser.PulseFactor(o);
                    channel["units"] = units;
                    channel["pulses"] = pulses;
                    break;
                case Firmware.Drivers.ChannelSpec.KindAccumulator:
                    var (offset, grams, counts) = ChannelOverrideParser.LoadCell(o);
                    channel["offset_counts"] = offset;
                    channel["grams_numerator"] = grams;
                    channel["counts_denominator"] = counts;
                    break;
                default:
                    throw new FormatException($"--channel {o}: channel '{o.Name}' is a {channel["kind"]} channel ({channel["source"]}): it takes no calibration");
            }
        }
        catch (FormatException e)
        {
            throw new ProvisionRefusedException(ExitCodes.Usage, e.Message);
        }
    }

    /// <summary>The device must read back exactly what was meant (a character its parser would
    /// read differently must not silently change a password).</summary>
    private static void CheckReadBack(DeviceSetup d, DeviceSettings s)
    {
        (string Key, string? Read, string Meant)[] fields =
        [
            ("community", d.Config.Community, s.Community), ("meter", d.Config.MeterId, s.Meter), ("firmware", d.Config.FirmwareVersion, s.Firmware),
            ("wifi.ssid", d.WifiSsid, s.WifiSsid), ("wifi.password", d.WifiPassword, s.WifiPassword),
            ("mqtt.host", d.MqttHost, s.MqttHost), ("mqtt.user", d.MqttUser, s.Meter), ("mqtt.password", d.MqttPassword, s.MqttPassword),
        ];
        foreach (var (key, read, meant) in fields)
        {
            if (read != meant) throw new ProvisionRefusedException(ExitCodes.Usage, $"the device would read {key} differently from what was given");
        }
        if (d.MqttPort != s.MqttPort) throw new ProvisionRefusedException(ExitCodes.Usage, "the device would read mqtt.port differently from what was given");
    }
}
