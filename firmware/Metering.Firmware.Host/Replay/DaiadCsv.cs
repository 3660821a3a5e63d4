using System.Globalization;

namespace Commons.Metering.Firmware.Host.Replay;

/// <summary>Reads the DAIAD smart-water-meter trial file (DAIAD project, EU FP7; CC BY-SA 4.0):
/// <c>V1;V2;V3;V4</c> = household UUID; local time <c>dd/MM/yyyy HH:mm:ss</c>; cumulative
/// register in litres; change since the previous row (ignored: usage is always recomputed
/// from registers). Each household becomes meter <c>w-</c> + the first 12 hex digits of its
/// UUID with one channel <c>main</c> in mL (litres x 1000, exactly).</summary>
public static class DaiadCsv
{
    public const string Channel = "main";
    public const string Unit = "mL";
    private const long MlPerLitre = 1000;

    /// <summary>The trial's local zone. The file states none; the trial meters were in
    /// Spain (inferred from the DAIAD project's trial sites), and the data skips 02:xx on
    /// 26/03/2017, the night Europe moved to summer time, so it is a European DST zone.</summary>
    public static TimeZoneInfo DefaultZone => TimeZoneInfo.FindSystemTimeZoneById("Europe/Madrid");

    public static string MeterIdFor(string householdKey)
    {
        var hex = new string(householdKey.Where(Uri.IsHexDigit).ToArray()).ToLowerInvariant();
        if (hex.Length < 12) throw new FormatException($"household key '{householdKey}' has fewer than 12 hex digits");
        return "w-" + hex[..12];
    }

    /// <summary>Parses the file; <paramref name="maxHouseholds"/> keeps the first N households
    /// in file order.</summary>
    public static Dataset Read(string path, TimeZoneInfo? zone = null, int? maxHouseholds = null)
    {
        using var reader = new StreamReader(path);
        return Read(reader, zone, maxHouseholds);
    }

    public static Dataset Read(TextReader reader, TimeZoneInfo? zone = null, int? maxHouseholds = null)
    {
        zone ??= DefaultZone;
        var rows = new List<DatasetRow>();
        var households = new Dictionary<string, string>(StringComparer.Ordinal); // meter id -> key
        var lastTime = new Dictionary<string, long>(StringComparer.Ordinal);
        var lineNumber = 0;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var f = line.Split(';');
            if (lineNumber == 1 && f[0] == "V1") continue;
            if (f.Length < 3) throw new FormatException($"line {lineNumber}: expected 4 ';'-separated fields: '{line}'");
            var key = f[0].Trim();
            var meter = MeterIdFor(key);
            if (households.TryGetValue(meter, out var known))
            {
                if (known != key) throw new FormatException($"line {lineNumber}: households {known} and {key} both map to meter {meter}");
            }
            else
            {
                if (maxHouseholds is { } max && households.Count >= max) continue;
                households.Add(meter, key);
            }
            var unixMs = ParseLocalTime(f[1], zone, lineNumber);
            if (lastTime.TryGetValue(meter, out var previous) && unixMs <= previous)
                throw new FormatException($"line {lineNumber}: time {f[1]} of {key} does not follow its previous row");
            lastTime[meter] = unixMs;
            rows.Add(new DatasetRow(unixMs, meter, Channel, Unit, ParseLitresAsMl(f[2], lineNumber)));
        }
        return new Dataset { Source = "daiad", Rows = DatasetOrder.Sort(rows) };
    }

    private static long ParseLocalTime(string text, TimeZoneInfo zone, int lineNumber)
    {
        if (!DateTime.TryParseExact(text.Trim(), "dd/MM/yyyy HH:mm:ss", CultureInfo.InvariantCulture,
                DateTimeStyles.None, out var local))
            throw new FormatException($"line {lineNumber}: '{text}' is not dd/MM/yyyy HH:mm:ss");
        if (zone.IsInvalidTime(local))
            throw new FormatException($"line {lineNumber}: {text} does not exist in {zone.Id} (summer-time gap)");
        // An ambiguous autumn hour is read as summer time, the first of the two.
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUnixTimeMilliseconds();
    }

    private static long ParseLitresAsMl(string text, int lineNumber)
    {
        if (!decimal.TryParse(text.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var litres))
            throw new FormatException($"line {lineNumber}: register '{text}' is not a non-negative number");
        var ml = litres * MlPerLitre;
        if (ml != decimal.Truncate(ml))
            throw new FormatException($"line {lineNumber}: register {text} L is finer than 1 mL");
        return (long)ml;
    }
}

internal static class DatasetOrder
{
    /// <summary>Stable sort by time then meter id; rows of one meter and time keep file order.</summary>
    public static IReadOnlyList<DatasetRow> Sort(List<DatasetRow> rows) =>
        rows.OrderBy(r => r.UnixMs).ThenBy(r => r.MeterId, StringComparer.Ordinal).ToList();
}
