using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Commons.Metering.Firmware.Host.Fleet;

namespace Commons.Metering.Simulator;

/// <summary><c>fleet</c>: N simulated meters through the real core, until Ctrl+C or --duration-s.</summary>
internal static class FleetCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var meters = new Option<int>("--meters") { Description = "Number of meters (water:energy:forest by --mix)", DefaultValueFactory = _ => 30 };
        var interval = new Option<int>("--interval-ms") { Description = "Real time between a meter's readings, ms", DefaultValueFactory = _ => 2000 };
        var speed = new Option<double>("--speed")
        {
            Description = "Device time per real time (30: a device minute every 2 real seconds; the clock then starts a week back)",
            DefaultValueFactory = _ => 1,
        };
        var data = new Option<string>("--data") { Description = "Data directory (flash files; a restart continues from it)", DefaultValueFactory = _ => "./data/sim" };
        var mix = new Option<string>("--mix") { Description = "Shares of water:energy:forest meters", DefaultValueFactory = _ => "6:3:1" };
        var duration = new Option<int>("--duration-s") { Description = "Stop after this many seconds (0: run until Ctrl+C)", DefaultValueFactory = _ => 0 };
        var drain = new Option<int>("--drain-timeout-s") { Description = "On stop, wait this long for outboxes to empty", DefaultValueFactory = _ => 60 };
        var first = new Option<int>("--first-meter") { Description = "Number in the first meter's id (w-0001 with 1); one range per community when several fleets share a ledger", DefaultValueFactory = _ => 1 };
        var seed = new Option<int>("--seed") { Description = "Seed of the simulated usage", DefaultValueFactory = _ => 1 };
        var draw = new Option<double>("--water-draw-ml")
        {
            Description = "Water arrives in whole draws of this many mL with quiet spells between (lets leak detection tell use from a leak); 0: continuous",
            DefaultValueFactory = _ => 0,
        };

        var circuits = new Option<string?>("--circuits")
        {
            Description = "Channels of each water and energy meter as name:share,... each with its own valve or relay " +
                          "(e.g. freezer:0.2,dishwasher:0.4,washing_machine:0.4); default one channel 'main'",
        };

        var command = new Command("fleet", "Runs N simulated meters (water, energy, forest usage profiles), each the real firmware core with its own flash file and MQTT connection.");
        common.AddTo(command);
        foreach (var o in new Option[] { meters, first, interval, speed, data, mix, duration, drain, seed, draw, circuits }) command.Add(o);

        command.SetAction(async (result, cancel) =>
        {
            FleetOptions options;
            try
            {
                var intervalMs = result.GetValue(interval);
                var speedValue = result.GetValue(speed);
                if (intervalMs < 1) throw new ArgumentException("--interval-ms must be at least 1");
                options = new FleetOptions
                {
                    Broker = common.BrokerOptions(result),
                    DataDirectory = result.GetValue(data)!,
                    Community = result.GetValue(common.Community)!,
                    Meters = result.GetValue(meters),
                    FirstMeter = result.GetValue(first),
                    Mix = ParseMix(result.GetValue(mix)!),
                    ReadingIntervalMs = checked((int)Math.Round(intervalMs * speedValue)),
                    ClockSpeed = speedValue,
                    Workers = result.GetValue(common.Workers),
                    Seed = result.GetValue(seed),
                    WaterDrawMl = result.GetValue(draw),
                    Circuits = result.GetValue(circuits) is { } c ? SimulatedCircuit.Parse(c) : [],
                };
                options.Validate();
            }
            catch (Exception e) when (e is ArgumentException or FormatException or OverflowException)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            }
            return await RunAsync(options, result.GetValue(duration), TimeSpan.FromSeconds(result.GetValue(drain)), cancel);
        });
        return command;
    }

    private static async Task<int> RunAsync(FleetOptions options, int durationS, TimeSpan drainTimeout, CancellationToken cancel)
    {
        Console.WriteLine($"fleet: {options.Meters} meters (mix {options.Mix.Water}:{options.Mix.Energy}:{options.Mix.Forest}) " +
                          $"community {options.Community}, broker {options.Broker}, data {Path.GetFullPath(options.DataDirectory)}");
        Console.WriteLine($"fleet: a reading every {options.ReadingIntervalMs} ms device time, clock speed {options.ClockSpeed}x, " +
                          $"{options.Workers} workers, outbox {options.OutboxCapacity}, inflight {options.MaxInflight}");
        await using var fleet = new MeterFleet(options);
        fleet.Start();
        var watch = Stopwatch.StartNew();
        var everConnected = false;
        long lastAcked = 0;
        var lastAt = TimeSpan.Zero;
        try
        {
            while (durationS <= 0 || watch.Elapsed < TimeSpan.FromSeconds(durationS))
            {
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(5, durationS <= 0 ? 5 : Math.Max(0.2, durationS - watch.Elapsed.TotalSeconds))), cancel);
                var s = fleet.Status();
                everConnected |= s.Connected > 0;
                var rate = (s.Acknowledged - lastAcked) / Math.Max(0.001, (watch.Elapsed - lastAt).TotalSeconds);
                (lastAcked, lastAt) = (s.Acknowledged, watch.Elapsed);
                Console.WriteLine($"[{watch.Elapsed:hh\\:mm\\:ss}] connected {s.Connected}/{s.Meters}  outbox {s.OutboxDepth}  " +
                                  $"acked {s.Acknowledged} ({rate:F0}/s)  device time {DateTimeOffset.FromUnixTimeMilliseconds(s.ClockUnixMs):u}" +
                                  (s.Faulted > 0 ? $"  FAULTED {s.Faulted}: {fleet.Fault?.Message}" : ""));
            }
        }
        catch (OperationCanceledException)
        {
            Console.WriteLine("stopping (Ctrl+C or SIGTERM)");
        }

        Console.WriteLine($"final readings; waiting up to {drainTimeout.TotalSeconds:F0} s for the outboxes to drain");
        await fleet.FreezeAsync();
        var drained = await fleet.WaitForDrainAsync(drainTimeout);
        var end = fleet.Status();
        everConnected |= end.Connected > 0;
        Console.WriteLine($"[{watch.Elapsed:hh\\:mm\\:ss}] connected {end.Connected}/{end.Meters}  outbox {end.OutboxDepth}  published {end.Published}  acked {end.Acknowledged}");
        PrintTruth(fleet.Truth());
        await fleet.StopAsync();
        if (!everConnected)
        {
            Console.Error.WriteLine($"error: no meter could connect to {options.Broker}");
            return ExitCodes.BrokerUnreachable;
        }
        if (!drained || fleet.Fault is not null)
        {
            Console.Error.WriteLine(fleet.Fault is not null ? $"error: {fleet.Fault.Message}" : "error: readings left in outboxes (they stay in the flash files for the next run)");
            return ExitCodes.NotDrained;
        }
        Console.WriteLine("all readings acknowledged");
        return ExitCodes.Ok;
    }

    private static void PrintTruth(IReadOnlyList<MeterTruth> truth)
    {
        foreach (var kind in truth.GroupBy(t => t.Kind))
        {
            var channels = kind.SelectMany(t => t.Channels).ToList();
            Console.WriteLine($"truth {kind.Key,-6}: {kind.Count()} meters, usage since first reading {channels.Sum(c => c.Usage).ToString("N0", CultureInfo.InvariantCulture)} {channels.FirstOrDefault()?.Unit}, " +
                              $"outbox {kind.Sum(t => t.OutboxDepth)}, last seq max {kind.Max(t => t.LastSeq)}");
        }
    }

    internal static (int Water, int Energy, int Forest) ParseMix(string text)
    {
        var parts = text.Split(':');
        if (parts.Length != 3 || !parts.All(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
            throw new FormatException($"--mix '{text}': expected water:energy:forest, e.g. 6:3:1");
        return (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture), int.Parse(parts[2], CultureInfo.InvariantCulture));
    }
}
