using System.CommandLine;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Gateway.BrokerAccounts;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Cli;

/// <summary><c>provision</c>: a new device identity and its credentials, registered with the gateway,
/// and the files to deploy to it.</summary>
internal static class ProvisionCommand
{
    /// <summary>IEEE 802.11-2016, J.4.1: a WPA2 passphrase is 8 to 63 printable ASCII characters.</summary>
    private static bool IsWpaPassphrase(string s) => s.Length is >= 8 and <= 63 && s.All(c => c is >= ' ' and <= '~');

    /// <summary>What the core's MeterDevice accepts as a firmware version (Ascii.IsPlainText,
    /// Limits.MaxFirmwareVersionLength): 1-32 printable ASCII characters, no quote or backslash.</summary>
    private static bool IsFirmwareVersion(string s) => s.Length is >= 1 and <= 32 && s.All(c => c is >= ' ' and <= '~' and not '"' and not '\\');

    public static Command Create()
    {
        var meter = new Option<string>("--meter") { Description = "Meter id (^[a-z0-9][a-z0-9_-]{0,47}$): also MQTT user name and client id", Required = true };
        var community = new Option<string>("--community") { Description = "Community id (same alphabet)", Required = true };
        var resource = new Option<string>("--resource") { Description = "water (mL), energy (Wh) or forest (g)", Required = true };
        resource.AcceptOnlyFromAmong("water", "energy", "forest");
        var variant = new Option<string?>("--variant") { Description = "Board variant: its pin map PIN-MAPS/VARIANT.json gives board, pins and channels (water-node, energy-node, forest-node; default <resource>-node)" };
        var pinMaps = new Option<string?>("--pin-maps") { Description = "Pin map folder (default hardware/pinmaps in the current directory or above, else in the repository the tool was built in)" };
        var wifiSsid = new Option<string>("--wifi-ssid") { Description = "Wi-Fi network the device joins", Required = true };
        var wifiPassword = new Option<string>("--wifi-password") { Description = "Its WPA2 passphrase (8-63 characters; written to config.json only, never printed)", Required = true };
        var channels = new Option<string[]>("--channel")
        {
            Description = "Calibration of one of the pin map's channels, repeatable. Pulse: NAME=UNITS/PULSES (from `metering calibrate pulse`). " +
                          "Load cell: NAME=OFFSET:GRAMS/COUNTS (from `metering calibrate loadcell`). Default: the pin map's own",
            AllowMultipleArgumentsPerToken = false,
        };
        var firmware = new Option<string>("--firmware") { Description = "Firmware version the device reports", DefaultValueFactory = _ => new Firmware.DeviceConfig().FirmwareVersion };
        var interval = new Option<int?>("--reading-interval-ms") { Description = "Time between readings, ms (default: the pin map's, else the core's 60000)" };
        var persist = new Option<int?>("--persist-interval-ms") { Description = "Least time between writes of the totals to flash, ms (default: the pin map's, else the core's 300000)" };
        var broker = new Option<string>("--broker") { Description = "Broker as the DEVICE reaches it, host:port", Required = true };
        var registry = new Option<string>("--registry") { Description = "Credentials file (the gateway's data directory holds it)", DefaultValueFactory = _ => Path.Combine("data", CredentialsFile.FileName) };
        var output = new Option<string?>("--out") { Description = "Folder for config.json and deploy.json (default devices/<meter>)" };
        var gateway = new Option<string?>("--gateway") { Description = "Gateway HTTP API to register the meter with, e.g. http://127.0.0.1:8080 (skipped when absent)" };
        var iterations = new Option<int>("--hash-iterations") { Description = "PBKDF2 iterations of the stored hash", DefaultValueFactory = _ => MosquittoPasswordHash.DefaultIterations };

        var command = new Command("provision", "Creates a device: identity, random password (shown once), account in the credentials file, registration with the gateway, " +
                                               "and config.json + nanoff's deploy.json to put the configuration on the device's I:\\ drive.");
        foreach (var o in new Option[] { meter, community, resource, variant, pinMaps, wifiSsid, wifiPassword, channels, firmware, interval, persist, broker, registry, output, gateway, iterations }) command.Add(o);
        command.SetAction(async (r, cancel) =>
        {
            var id = r.GetValue(meter)!;
            var comm = r.GetValue(community)!;
            var res = r.GetValue(resource)!;
            if (!WireIds.IsId(id) || !WireIds.IsId(comm)) return Fail(ExitCodes.Usage, "--meter and --community must match ^[a-z0-9][a-z0-9_-]{0,47}$");
            if (!Endpoint.TryParse(r.GetValue(broker), out var endpoint)) return Fail(ExitCodes.Usage, "--broker must be host:port");
            if (r.GetValue(iterations) is < 1 or > MosquittoPasswordHash.MaxIterations) return Fail(ExitCodes.Usage, $"--hash-iterations must be 1..{MosquittoPasswordHash.MaxIterations}");
            if (!IsWpaPassphrase(r.GetValue(wifiPassword)!)) return Fail(ExitCodes.Usage, "--wifi-password must be a WPA2 passphrase: 8 to 63 printable ASCII characters");
            if (!IsFirmwareVersion(r.GetValue(firmware)!)) return Fail(ExitCodes.Usage, "--firmware must be 1-32 printable ASCII characters, no quote or backslash");
            var variantName = r.GetValue(variant) ?? PinMaps.DefaultVariant(res);
            if (PinMaps.Locate(r.GetValue(pinMaps)) is not { } pinMapFolder)
                return Fail(ExitCodes.FileError, $"pin map folder {r.GetValue(pinMaps) ?? PinMaps.DefaultFolder} not found (give it with --pin-maps)");
            var known = PinMaps.Variants(pinMapFolder);
            if (!known.Contains(variantName))
                return Fail(ExitCodes.Usage, $"no pin map for variant '{variantName}' in {pinMapFolder} (variants: {string.Join(", ", known)})");

            // Everything the device needs is built and checked with its own parser before any file is touched.
            var password = Passwords.New();
            byte[] configText;
            DeviceSetup setup;
            try
            {
                var settings = new DeviceSettings
                {
                    Community = comm, Meter = id, Resource = res, Firmware = r.GetValue(firmware)!,
                    MqttHost = endpoint.Host, MqttPort = endpoint.Port, MqttPassword = password,
                    WifiSsid = r.GetValue(wifiSsid)!, WifiPassword = r.GetValue(wifiPassword)!,
                    ReadingIntervalMs = r.GetValue(interval), PersistIntervalMs = r.GetValue(persist),
                    Overrides = ChannelOverrideParser.ParseAll(r.GetValue(channels) ?? []),
                };
                (configText, setup) = DeviceConfigBuilder.Build(PinMaps.PathOf(pinMapFolder, variantName), variantName, settings);
            }
            catch (FormatException e)
            {
                return Fail(ExitCodes.Usage, e.Message);
            }
            catch (ProvisionRefusedException e)
            {
                return Fail(e.ExitCode, $"{e.Message}; nothing written");
            }

            var registryPath = r.GetValue(registry)!;
            // Run from another folder, the default data/ is not the gateway's: a new, empty credentials file
            // there would leave the device's account where no broker reads it. Only an explicit --registry
            // starts a file in a folder that does not exist yet.
            if (r.GetResult(registry) is not { Tokens.Count: > 0 } && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(registryPath))))
                return Fail(ExitCodes.FileError, $"no folder {Path.GetDirectoryName(Path.GetFullPath(registryPath))} here for the credentials file: run from the gateway's folder " +
                                                 "(the one holding data/) or give the file with --registry; nothing written");
            Progress.Step(1, 4, $"{DeviceFiles.ConfigFileName} from pin map {variantName} accepted by the device's parser; checking {Path.GetFullPath(registryPath)}" +
                                (File.Exists(registryPath) ? "" : " (a new credentials file)"));
            IReadOnlyList<BrokerAccount> accounts;
            IDisposable fileLock;
            try
            {
                fileLock = CredentialsFile.Lock(registryPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail(ExitCodes.FileError, $"cannot lock {registryPath}: {e.Message}");
            }
            using var held = fileLock;
            try
            {
                accounts = CredentialsFile.Read(registryPath);
            }
            catch (Exception e) when (e is IOException or InvalidDataException or UnauthorizedAccessException)
            {
                return Fail(ExitCodes.FileError, e.Message);
            }
            if (accounts.Any(a => a.User == id)) return Fail(ExitCodes.AlreadyProvisioned, $"'{id}' already has broker credentials in {registryPath}");

            Uri? url = null;
            if (r.GetValue(gateway) is { } g && !Endpoint.TryParseUrl(g, out url)) return Fail(ExitCodes.Usage, "--gateway must be an http(s) URL, e.g. http://127.0.0.1:8080");
            Progress.Step(2, 4, url is null ? "gateway registration skipped (no --gateway)" : $"registering {comm}/{id} ({res}) with {url}");
            if (url is not null)
            {
                try
                {
                    using var client = new GatewayClient(url);
                    if (await client.RegisterAsync(id, comm, res, cancel) is { } refusal) return Fail(ExitCodes.GatewayError, $"the gateway refused the meter: {refusal}");
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    return Fail(ExitCodes.GatewayError, $"gateway {url} unreachable: {e.Message}");
                }
            }

            var account = new BrokerAccount
            {
                User = id, Role = BrokerRole.Device, Community = comm,
                PasswordHash = MosquittoPasswordHash.Hash(password, r.GetValue(iterations)),
            };
            var dir = r.GetValue(output) ?? Path.Combine("devices", id);
            try
            {
                Progress.Step(3, 4, $"adding the account to {registryPath} (salted PBKDF2-SHA512 hash only)");
                CredentialsFile.Write(registryPath, [.. accounts, account]);
                Progress.Step(4, 4, $"writing {DeviceFiles.ConfigFileName} and {DeviceFiles.DeploymentFileName} to {Path.GetFullPath(dir)}");
                var (configPath, deploymentPath) = DeviceFiles.Write(dir, configText);
                Console.WriteLine($"device {comm}/{id}: variant {variantName} ({setup.ChannelCount} channel(s), {setup.PinCount} pins), broker {endpoint}, wifi {setup.WifiSsid}");
                if (setup.Scale is { IsCalibrated: false } && HasAccumulator(setup))
                    Console.WriteLine("note: the load cell has no calibration: the device weighs nothing until its config.json has one (`metering calibrate loadcell` gives the --channel NAME=OFFSET:GRAMS/COUNTS)");
                Console.WriteLine($"password (shown once; also inside {configPath} for the device): {password}");
                Console.WriteLine($"next: metering flash --port PORT --image APP.bin --deployment {deploymentPath}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return Fail(ExitCodes.FileError, e.Message);
            }
            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool HasAccumulator(DeviceSetup setup)
    {
        for (var i = 0; i < setup.ChannelCount; i++)
        {
            if (setup.Channels[i].Kind == Firmware.Drivers.ChannelSpec.KindAccumulator) return true;
        }
        return false;
    }

    internal static int Fail(int code, string message)
    {
        Console.Error.WriteLine($"error: {message}");
        return code;
    }
}
