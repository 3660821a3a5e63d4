using System.Globalization;
using System.Text.RegularExpressions;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Firmware.Host.Replay;

/// <summary>Reads one household file of the Open Power System Data "Household Data" package
/// (Open Power System Data, Household Data, CoSSMic project; CC BY 4.0): <c>utc_timestamp</c>
/// then one cumulative kWh register per circuit; an empty cell is no reading that hour. The
/// home becomes meter <c>e-resN</c> (from <c>DE_KN_residentialN_</c>) with one Wh channel per
/// circuit. kWh are converted with decimal arithmetic and rounded half away from zero to whole
/// Wh (the files carry 3 decimals, so the conversion is exact). A column that pandas suffixed
/// as a duplicate (<c>pv.1</c> in home 4) is left out; cells where it disagrees are counted.</summary>
public static partial class OpsdCsv
{
    public const string Unit = "Wh";
    private const decimal WhPerKwh = 1000m;

    public static Dataset Read(string path, string? meterId = null)
    {
        using var reader = new StreamReader(path);
        return Read(reader, meterId);
    }

    public static Dataset Read(TextReader reader, string? meterId = null)
    {
        var header = reader.ReadLine() ?? throw new FormatException("empty file");
        var columns = header.Split(',');
        if (columns.Length < 2 || columns[0] != "utc_timestamp")
            throw new FormatException($"expected a header starting with utc_timestamp, got '{header}'");

        var prefix = CommonPrefix(columns.Skip(1).ToArray());
        meterId ??= MeterIdFromPrefix(prefix);
        if (!WireIds.IsId(meterId)) throw new FormatException($"meter id '{meterId}' breaks the protocol's id rule");

        // Column index -> channel name, or -> index of the column it duplicates.
        var channels = new string?[columns.Length];
        var duplicateOf = new int[columns.Length];
        var duplicates = new List<string>();
        var byName = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var c = 1; c < columns.Length; c++)
        {
            duplicateOf[c] = -1;
            var raw = columns[c][prefix.Length..];
            var dup = PandasDuplicate().Match(raw);
            if (dup.Success && byName.TryGetValue(ChannelName(dup.Groups[1].Value), out var original))
            {
                duplicateOf[c] = original;
                duplicates.Add(columns[c]);
                continue;
            }
            var name = ChannelName(raw);
            if (!byName.TryAdd(name, c)) throw new FormatException($"two columns map to channel '{name}'");
            channels[c] = name;
        }

        var rows = new List<DatasetRow>();
        var mismatches = 0;
        var lineNumber = 1;
        string? line;
        while ((line = reader.ReadLine()) is not null)
        {
            lineNumber++;
            if (line.Length == 0) continue;
            var f = line.Split(',');
            if (f.Length != columns.Length)
                throw new FormatException($"line {lineNumber}: {f.Length} fields, header has {columns.Length}");
            if (!DateTimeOffset.TryParse(f[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                throw new FormatException($"line {lineNumber}: '{f[0]}' is not an ISO 8601 time");
            var unixMs = time.ToUnixTimeMilliseconds();
            for (var c = 1; c < f.Length; c++)
            {
                if (duplicateOf[c] >= 0)
                {
                    if (f[c] != f[duplicateOf[c]] && (f[c].Length == 0 || f[duplicateOf[c]].Length == 0 ||
                        ParseKwhAsWh(f[c], lineNumber) != ParseKwhAsWh(f[duplicateOf[c]], lineNumber)))
                        mismatches++;
                    continue;
                }
                if (f[c].Length == 0) continue;
                rows.Add(new DatasetRow(unixMs, meterId, channels[c]!, Unit, ParseKwhAsWh(f[c], lineNumber)));
            }
        }
        return new Dataset
        {
            Source = "opsd", Rows = DatasetOrder.Sort(rows), DuplicateColumns = duplicates, DuplicateMismatches = mismatches,
        };
    }

    /// <summary>kWh text to whole Wh, exactly: decimal arithmetic, half away from zero.</summary>
    public static long ParseKwhAsWh(string text, int lineNumber = 0)
    {
        if (!decimal.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var kwh))
            throw new FormatException($"line {lineNumber}: register '{text}' is not a non-negative number");
        return (long)decimal.Round(kwh * WhPerKwh, 0, MidpointRounding.AwayFromZero);
    }

    private static string CommonPrefix(string[] names)
    {
        if (names.Length == 0) return "";
        var prefix = names[0];
        foreach (var n in names)
            while (!n.StartsWith(prefix, StringComparison.Ordinal)) prefix = prefix[..^1];
        // Cut back to the last separator, so a circuit name is never split.
        var home = ResidentialNumber().Match(prefix);
        if (home.Success && prefix.Length > home.Index + home.Length && prefix[home.Index + home.Length] == '_')
            return prefix[..(home.Index + home.Length + 1)];
        var cut = prefix.LastIndexOf('_');
        return cut < 0 ? "" : prefix[..(cut + 1)];
    }

    private static string MeterIdFromPrefix(string prefix)
    {
        var home = ResidentialNumber().Match(prefix);
        if (home.Success) return "e-res" + home.Groups[1].Value;
        var id = "e-" + ChannelName(prefix.Trim('_')).Replace('_', '-');
        return id.Length > 48 ? id[..48] : id;
    }

    private static string ChannelName(string raw)
    {
        var name = NonChannelChars().Replace(raw.ToLowerInvariant(), "_").Trim('_');
        if (name.Length > 32) name = name[..32];
        if (!WireIds.IsChannelName(name)) throw new FormatException($"column '{raw}' gives no valid channel name");
        return name;
    }

    [GeneratedRegex(@"^(.+)\.(\d+)$")]
    private static partial Regex PandasDuplicate();

    [GeneratedRegex(@"residential(\d+)", RegexOptions.IgnoreCase)]
    private static partial Regex ResidentialNumber();

    [GeneratedRegex("[^a-z0-9_]+")]
    private static partial Regex NonChannelChars();
}
