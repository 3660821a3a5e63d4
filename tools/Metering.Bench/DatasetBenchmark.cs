using System.Diagnostics;
using Commons.Metering.Firmware.Host.Replay;

namespace Commons.Metering.Bench;

/// <summary>The full real datasets (not in the repository; tests use slices; tests/data/README.md says
/// where they come from): checks the figures that README states and measures parse throughput against reading the
/// same files' lines (the reference, measured in the same run).</summary>
internal sealed class DatasetBenchmark(string datasets, TextWriter log)
{
    public int Run()
    {
        log.WriteLine($"machine: {MachineInfo.Describe()}");
        var daiadPath = Path.Combine(datasets, "daiad", "daiad_swm_trialA_extended.csv");
        var failures = new List<string>();

        var (lines, lineTime) = Time(() => File.ReadLines(daiadPath).LongCount());
        var (daiad, parseTime) = Time(() => DaiadCsv.Read(daiadPath));
        var expected = ExpectedLedger.Compute(daiad.Rows);
        log.WriteLine($"daiad: {daiad.Rows.Count} rows, {daiad.MeterIds.Count} households, {expected.TotalDecreases} register decreases");
        log.WriteLine($"  parse {daiad.Rows.Count / parseTime.TotalSeconds:F0} rows/s; reading the lines alone {lines / lineTime.TotalSeconds:F0} lines/s; ratio {lineTime / parseTime:F2}");
        Expect(failures, "daiad rows", 148_484, daiad.Rows.Count);          // tests/data/README.md
        Expect(failures, "daiad households", 89, daiad.MeterIds.Count);     // tests/data/README.md
        Expect(failures, "daiad decreases", 43, expected.TotalDecreases);   // tests/data/README.md

        for (var home = 1; home <= 6; home++)
        {
            var data = OpsdCsv.Read(Path.Combine(datasets, "opsd", $"power_of_residential_{home}.csv"));
            var ledger = ExpectedLedger.Compute(data.Rows);
            log.WriteLine($"opsd home {home}: {data.Rows.Count} channel readings, {ledger.Channels.Count} circuits, " +
                          $"{ledger.TotalDecreases} decreases, duplicate columns [{string.Join(", ", data.DuplicateColumns)}]");
            Expect(failures, $"opsd home {home} meter id", $"e-res{home}", data.MeterIds.Single());
            Expect(failures, $"opsd home {home} duplicate columns", home == 4 ? 1 : 0, data.DuplicateColumns.Count); // README: home 4 has pv.1
            Expect(failures, $"opsd home {home} duplicate mismatches", 0, data.DuplicateMismatches);
        }
        foreach (var f in failures) log.WriteLine($"MISMATCH {f}");
        log.WriteLine(failures.Count == 0 ? "datasets: as their README states" : $"datasets: {failures.Count} mismatches");
        return failures.Count == 0 ? 0 : 3;
    }

    private static void Expect<T>(List<string> failures, string what, T expected, T actual)
    {
        if (!EqualityComparer<T>.Default.Equals(expected, actual)) failures.Add($"{what}: expected {expected}, got {actual}");
    }

    private static (T Value, TimeSpan Elapsed) Time<T>(Func<T> f)
    {
        var watch = Stopwatch.StartNew();
        var value = f();
        return (value, watch.Elapsed);
    }
}
