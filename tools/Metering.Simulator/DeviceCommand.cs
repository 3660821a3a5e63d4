using System.CommandLine;
using Commons.Metering.Firmware.Drivers;
using Commons.Metering.Firmware.Host.Board;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Replay;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Simulator;

/// <summary><c>device</c>: one meter on this host, on a GPIO pulse input when the board has one.</summary>
internal static class DeviceCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var meter = new Option<string>("--meter") { Description = "Meter id (^[a-z0-9][a-z0-9_-]{0,47}$), also the MQTT client id", Required = true };
        var kind = new Option<string>("--kind") { Description = "water (mL) or energy (Wh)", DefaultValueFactory = _ => "water" };
        kind.AcceptOnlyFromAmong("water", "energy");
        var pin = new Option<int?>("--pulse-pin") { Description = "GPIO (BCM) of the pulse input; without it, or without GPIO, a simulated household" };
        var units = new Option<long?>("--units-per-pulse") { Description = "Register units per pulse (default 1000 mL for water, 1 Wh for energy)" };
        var interval = new Option<int>("--interval-ms") { Description = "Time between readings, ms (with --setup and without this option: the file's reading_interval_ms)", DefaultValueFactory = _ => 60_000 };
        var data = new Option<string>("--data") { Description = "Directory of the flash file", DefaultValueFactory = _ => "./data/device" };
        var setup = new Option<string?>("--setup")
        {
            Description = "Device setup file: a pin map (hardware/pinmaps/*.json) or the config.json `metering provision` writes; " +
                          "its channels, outputs, calibration and permits replace --kind, --pulse-pin and --units-per-pulse",
        };
        var boardMap = new Option<string?>("--board-map")
        {
            Description = $"With --setup: where the setup's roles go on this board (BCM GPIOs, PZEM serial port, MFRC522 SPI bus); " +
                          $"default: Board/{PiPinMap.DefaultFileName} shipped with the host runtime",
        };

        var command = new Command("device", "Runs one meter on this host: the real core, the system clock, a flash file, and the pulse input on a GPIO pin when the board has GPIO (a simulated household otherwise); with --setup, every channel and output of a device setup file, each on its driver when the board has the hardware and simulated otherwise (the start-up lines say which and why). Runs until Ctrl+C.");
        common.AddTo(command);
        foreach (var o in new Option[] { meter, kind, pin, units, interval, data, setup, boardMap }) command.Add(o);
        command.SetAction(async (result, cancel) =>
        {
            var id = result.GetValue(meter)!;
            var community = result.GetValue(common.Community)!;
            if (!WireIds.IsId(id) || !WireIds.IsId(community))
            {
                Console.Error.WriteLine("error: --meter and --community must match ^[a-z0-9][a-z0-9_-]{0,47}$");
                return ExitCodes.Usage;
            }
            var setupFile = result.GetValue(setup);
            var boardMapFile = result.GetValue(boardMap);
            if (setupFile is null && boardMapFile is not null)
            {
                Console.Error.WriteLine("error: --board-map needs --setup (a single pulse input takes --pulse-pin)");
                return ExitCodes.Usage;
            }
            if (setupFile is not null && (Given(pin) || Given(units) || Given(kind)))
            {
                Console.Error.WriteLine("error: --setup takes the channels from the file; leave out --kind, --pulse-pin and --units-per-pulse");
                return ExitCodes.Usage;
            }
            DeviceSetup? deviceSetup = null;
            if (setupFile is not null && !SetupFiles.TryLoad(setupFile, boardMapFile, out deviceSetup, out var fileError))
            {
                Console.Error.WriteLine($"error: {fileError}");
                return ExitCodes.BadSetup;
            }
            BoardMeterOptions options;
            try
            {
                options = new BoardMeterOptions
                {
                    Broker = common.BrokerOptions(result),
                    Community = community,
                    MeterId = id,
                    DataDirectory = result.GetValue(data)!,
                    Kind = result.GetValue(kind) == "energy" ? MeterKind.Energy : MeterKind.Water,
                    PulsePin = result.GetValue(pin),
                    UnitsNumerator = result.GetValue(units),
                    // With --setup and no --interval-ms: the file's reading_interval_ms.
                    ReadingIntervalMs = deviceSetup is null || Given(interval) ? result.GetValue(interval) : null,
                    SetupFile = setupFile,
                    PiPinMapFile = boardMapFile,
                };
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            }
            using var device = new BoardMeter(options);
            Console.WriteLine($"device {community}/{id}: {(setupFile is null ? options.Kind.ToString() : "setup " + Path.GetFullPath(setupFile))}, broker {options.Broker}, " +
                              $"a reading every {options.ReadingIntervalMs ?? deviceSetup!.Config.ReadingIntervalMs} ms, flash {Path.GetFullPath(options.DataDirectory)}");
            foreach (var source in device.Sources) Console.WriteLine($"  {source}");
            var run = device.RunAsync(cancel);
            var everConnected = false;
            while (!run.IsCompleted)
            {
                await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None));
                everConnected |= device.IsConnected;
                Console.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] register {device.Register}  seq {device.LastSeq}  outbox {device.OutboxDepth}  connected {device.IsConnected}");
            }
            await run;
            return everConnected ? ExitCodes.Ok : ExitCodes.BrokerUnreachable;

            bool Given(Option option) => result.GetResult(option) is { Implicit: false };
        });
        return command;
    }
}
