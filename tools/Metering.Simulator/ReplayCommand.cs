using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Commons.Metering.Firmware.Host.Fleet;
using Commons.Metering.Firmware.Host.Replay;

namespace Commons.Metering.Simulator;

/// <summary><c>replay</c>: a real dataset through the real core, as fast as the broker acks.</summary>
internal static class ReplayCommand
{
    public static Command Create()
    {
        var common = new CommonOptions();
        var dataset = new Option<string>("--dataset") { Description = "daiad (water, ';'-separated) or opsd (electricity per circuit)", Required = true };
        dataset.AcceptOnlyFromAmong("daiad", "opsd");
        var file = new Option<string>("--file") { Description = "Path of the dataset CSV", Required = true };
        var households = new Option<int>("--households") { Description = "daiad: replay only the first N households (0: all)", DefaultValueFactory = _ => 0 };
        var days = new Option<int>("--days") { Description = "Replay only the first N days of the file (0: all)", DefaultValueFactory = _ => 0 };
        var time = new Option<string>("--time")
        {
            Description = "shift: move the rows so the last one is a minute ago (the gateway refuses readings over 400 days old); original: keep them",
            DefaultValueFactory = _ => "shift",
        };
        time.AcceptOnlyFromAmong("shift", "original");
        var data = new Option<string?>("--data") { Description = "Directory for the meters' flash files (default: a new temporary directory)" };
        var expected = new Option<string?>("--expected") { Description = "Write the ledger the gateway must reach (JSON) to this file" };
        var drain = new Option<int>("--drain-timeout-s") { Description = "Give up when no row was fed and no PUBACK came for this long", DefaultValueFactory = _ => 60 };

        var command = new Command("replay", "Replays a real dataset (time, meter, cumulative register) through the real firmware core, sped up, and checks the devices end at the dataset's registers.");
        common.AddTo(command);
        foreach (var o in new Option[] { dataset, file, households, days, time, data, expected, drain }) command.Add(o);

        command.SetAction(async (result, cancel) =>
        {
            var path = result.GetValue(file)!;
            var kindName = result.GetValue(dataset)!;
            Dataset parsed;
            try
            {
                parsed = kindName == "daiad"
                    ? DaiadCsv.Read(path, maxHouseholds: result.GetValue(households) is > 0 and var n ? n : null)
                    : OpsdCsv.Read(path);
            }
            catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"error: {path}: {e.Message}");
                return ExitCodes.BadDataset;
            }
            var rows = parsed.Rows;
            if (result.GetValue(days) is > 0 and var d && rows.Count > 0)
            {
                var end = rows[0].UnixMs + d * 86_400_000L;
                rows = rows.Where(r => r.UnixMs < end).ToList();
            }
            var ledger = ExpectedLedger.Compute(rows);
            Console.WriteLine($"replay: {parsed.Source} {path}: {rows.Count} rows, {rows.Select(r => r.MeterId).Distinct().Count()} meters, " +
                              $"{ledger.Channels.Count} channels, {ledger.TotalDecreases} register decreases" +
                              (parsed.DuplicateColumns.Count > 0 ? $", left out duplicate columns {string.Join(", ", parsed.DuplicateColumns)} ({parsed.DuplicateMismatches} disagreeing cells)" : ""));
            if (result.GetValue(expected) is { } expectedPath) WriteExpected(expectedPath, ledger);

            var ownDataDir = result.GetValue(data) is null;
            var dataDir = result.GetValue(data) ?? Directory.CreateTempSubdirectory("metering-replay-").FullName;
            ReplayOptions options;
            try
            {
                options = new ReplayOptions
                {
                    Broker = common.BrokerOptions(result),
                    DataDirectory = dataDir,
                    Community = result.GetValue(common.Community)!,
                    Workers = result.GetValue(common.Workers),
                    TimeShiftMs = result.GetValue(time) == "shift" ? DatasetReplayer.ShiftEndingAt(rows, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()) : 0,
                    DrainTimeout = TimeSpan.FromSeconds(result.GetValue(drain)),
                };
            }
            catch (FormatException e)
            {
                Console.Error.WriteLine($"error: {e.Message}");
                return ExitCodes.Usage;
            }
            Console.WriteLine($"replay: broker {options.Broker}, community {options.Community}, data {dataDir}, time shift {options.TimeShiftMs / 86_400_000.0:F1} days");

            var kind = kindName == "daiad" ? MeterKind.Water : MeterKind.Energy;
            var progress = new SyncProgress<ReplayProgress>(p => Console.WriteLine(
                $"[{p.Elapsed:hh\\:mm\\:ss}] rows {p.RowsFed}/{p.RowsTotal}  connected {p.Connected}/{p.Meters}  outbox {p.OutboxDepth}  acked {p.Acknowledged} ({p.Acknowledged / Math.Max(0.001, p.Elapsed.TotalSeconds):F0}/s)"));
            ReplayResult outcome;
            try
            {
                outcome = await DatasetReplayer.RunAsync(rows, kind, options, progress, TimeSpan.FromSeconds(2), cancel);
            }
            catch (OperationCanceledException)
            {
                Console.Error.WriteLine("cancelled");
                return ExitCodes.NotDrained;
            }
            var code = Report(outcome, ledger);
            if (ownDataDir && code == ExitCodes.Ok) Directory.Delete(dataDir, recursive: true);
            return code;
        });
        return command;
    }

    private static int Report(ReplayResult outcome, ExpectedLedger ledger)
    {
        Console.WriteLine($"replay: {outcome.RowsFed}/{outcome.RowsTotal} rows in {outcome.Elapsed.TotalSeconds:F1} s, " +
                          $"{outcome.Acknowledged} uplinks acknowledged ({outcome.Acknowledged / Math.Max(0.001, outcome.Elapsed.TotalSeconds):F0}/s)");
        if (outcome.Meters.All(m => !m.IsConnected) && outcome.Acknowledged == 0)
        {
            Console.Error.WriteLine("error: no meter could connect to the broker");
            return ExitCodes.BrokerUnreachable;
        }
        var mismatches = 0;
        foreach (var c in ledger.Channels)
        {
            var device = outcome.Meters.Single(m => m.MeterId == c.MeterId).Channel(c.Channel);
            if (device.Register != c.LastRegister || device.BaselineRegister != c.FirstRegister)
            {
                mismatches++;
                Console.Error.WriteLine($"mismatch {c.MeterId}/{c.Channel}: device {device.BaselineRegister}..{device.Register}, dataset {c.FirstRegister}..{c.LastRegister}");
            }
        }
        foreach (var meter in ledger.Channels.GroupBy(c => c.MeterId))
            Console.WriteLine($"expected ledger {meter.Key}: " + string.Join(", ", meter.Select(c =>
                $"{c.Channel} {c.Usage.ToString("N0", CultureInfo.InvariantCulture)} {c.Unit}" + (c.Decreases > 0 ? $" ({c.Decreases} decreases)" : ""))));
        if (outcome.Fault is not null || !outcome.Drained)
        {
            Console.Error.WriteLine(outcome.Fault is not null ? $"error: {outcome.Fault}" : "error: readings left in outboxes after the drain timeout");
            return ExitCodes.NotDrained;
        }
        if (mismatches > 0) return ExitCodes.Mismatch;
        Console.WriteLine("all readings acknowledged; device registers match the dataset");
        return ExitCodes.Ok;
    }

    private static void WriteExpected(string path, ExpectedLedger ledger)
    {
        var json = JsonSerializer.Serialize(ledger.Channels.Select(c => new
        {
            meter = c.MeterId, channel = c.Channel, unit = c.Unit, usage = c.Usage, decreases = c.Decreases,
            firstRegister = c.FirstRegister, lastRegister = c.LastRegister, readings = c.Readings,
        }), new JsonSerializerOptions { WriteIndented = true });
        File.WriteAllText(path, json);
        Console.WriteLine($"replay: expected ledger written to {path}");
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; would post to the pool, out of order).</summary>
    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
    }
}
