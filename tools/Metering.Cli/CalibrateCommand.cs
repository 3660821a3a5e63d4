using System.CommandLine;
using System.Globalization;

namespace Commons.Metering.Cli;

/// <summary><c>calibrate pulse</c> and <c>calibrate loadcell</c>.</summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var pulses = new Option<long>("--pulses") { Description = "Pulses the device counted during the test", Required = true };
        var measured = new Option<string>("--measured-ml") { Description = "Volume that ran through, measured with a calibrated vessel, mL (decimals allowed)", Required = true };
        var pulse = new Command("pulse", "Factor of a pulse meter from a measured volume: mL per pulse as UNITS/PULSES, the terms the firmware's AddPulseChannel takes.")
        {
            pulses, measured,
        };
        pulse.SetAction(r => Run(() =>
        {
            var f = Calibration.PulseFactor(r.GetValue(pulses), Calibration.ParseDecimal(r.GetValue(measured)!));
            Console.WriteLine($"units {f.Numerator}");
            Console.WriteLine($"pulses {f.Denominator}");
            Console.WriteLine($"mL per pulse {f.Value.ToString("0.######", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"provision option: --channel NAME={f} (NAME: the pin map's channel, e.g. main)");
        }));

        var tare = new Option<long>("--tare-counts") { Description = "HX711 reading with the platform empty", Required = true };
        var reference = new Option<long>("--reference-counts") { Description = "HX711 reading with the reference weight on", Required = true };
        var grams = new Option<string>("--reference-grams") { Description = "The reference weight, g (decimals allowed)", Required = true };
        var loadcell = new Command("loadcell", "Tare and scale of a load cell on an HX711 from a reference weight: grams = (counts - offset) * GRAMS/COUNTS.")
        {
            tare, reference, grams,
        };
        loadcell.SetAction(r => Run(() =>
        {
            var (offset, scale) = Calibration.LoadCell(r.GetValue(tare), r.GetValue(reference), Calibration.ParseDecimal(r.GetValue(grams)!));
            Console.WriteLine($"offset_counts {offset}");
            Console.WriteLine($"grams_numerator {scale.Numerator}");
            Console.WriteLine($"counts_denominator {scale.Denominator}");
            Console.WriteLine($"grams per count {scale.Value.ToString("0.#########", CultureInfo.InvariantCulture)}");
            Console.WriteLine($"provision option: --channel NAME={offset}:{scale} (NAME: the pin map's channel, e.g. harvest)");
        }));
        return new Command("calibrate", "Calibration factors from a test measurement") { pulse, loadcell };
    }

    private static int Run(Action action)
    {
        try
        {
            action();
            return ExitCodes.Ok;
        }
        catch (ArgumentException e)
        {
            // The option a person typed, not the C# parameter behind it ("(Parameter 'pulses')").
            var message = e.ParamName is null ? e.Message : e.Message.Replace($" (Parameter '{e.ParamName}')", "", StringComparison.Ordinal);
            return ProvisionCommand.Fail(ExitCodes.Usage, OptionOf(e.ParamName) is { } option ? $"{option}: {message}" : message);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            return ProvisionCommand.Fail(ExitCodes.Usage, e.Message);
        }
    }

    private static string? OptionOf(string? parameter) => parameter switch
    {
        "pulses" => "--pulses",
        "measuredMl" => "--measured-ml",
        "tareCounts" => "--tare-counts",
        "referenceCounts" => "--reference-counts",
        "referenceGrams" => "--reference-grams",
        _ => null,
    };
}
