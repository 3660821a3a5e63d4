using Commons.Metering.Gateway.Domain;
using System.Globalization;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>How to read a meter's past readings from someone else's CSV (a utility's export, a
/// dataset): which column holds the time and in what format and zone, which columns hold cumulative
/// registers of which channel, and in what unit.</summary>
internal sealed record CsvHistoryMapping(
    char Delimiter,
    string TimeColumn,
    string? TimeFormat,
    TimeZoneInfo? Zone,
    TimeSpan? Offset,
    IReadOnlyDictionary<string, string> Channels,
    string Unit);

/// <summary>One valid row: its line in the file, its time and each channel's register in base units.</summary>
internal sealed record CsvHistoryRow(int Line, DateTimeOffset Time, IReadOnlyList<(string Channel, long Register)> Registers);

internal sealed record CsvHistoryError(int Line, string Message);

/// <summary>Parses CSV history into registers in base units, exactly: a register that is not a whole
/// number of base units (1.2345 L is not whole mL) is an error naming its line, never rounded. A local
/// time that does not exist (the hour skipped when clocks go forward) or exists twice (the hour
/// repeated when they go back) in the zone is an error too: its instant cannot be known.</summary>
internal static class CsvHistory
{
    /// <summary>Units a register may come in, per resource, with the base units in one of them.</summary>
    private static readonly Dictionary<string, (Resource Resource, long Factor)> Units = new(StringComparer.Ordinal)
    {
        ["mL"] = (Resource.Water, 1), ["L"] = (Resource.Water, 1_000), ["m3"] = (Resource.Water, 1_000_000), ["m³"] = (Resource.Water, 1_000_000),
        ["Wh"] = (Resource.Energy, 1), ["kWh"] = (Resource.Energy, 1_000), ["MWh"] = (Resource.Energy, 1_000_000),
        ["g"] = (Resource.Forest, 1), ["kg"] = (Resource.Forest, 1_000), ["t"] = (Resource.Forest, 1_000_000),
    };

    public static IReadOnlyCollection<string> UnitNames => Units.Keys;

    /// <summary>The factor from <paramref name="unit"/> to <paramref name="resource"/>'s base unit, or null when it is not one of its units.</summary>
    public static long? Factor(string unit, Resource resource) =>
        Units.TryGetValue(unit, out var u) && u.Resource == resource ? u.Factor : null;

    public static (List<CsvHistoryRow> Rows, List<CsvHistoryError> Errors) Parse(string text, CsvHistoryMapping map, long factor)
    {
        var rows = new List<CsvHistoryRow>();
        var errors = new List<CsvHistoryError>();
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.Length == 0 || string.IsNullOrWhiteSpace(lines[0])) { errors.Add(new(1, "The file is empty: its first line must name the columns.")); return (rows, errors); }
        var header = Split(lines[0], map.Delimiter).Select(h => h.Trim()).ToList();
        int Index(string column) => header.IndexOf(column);
        var timeAt = Index(map.TimeColumn);
        if (timeAt < 0) errors.Add(new(1, $"No column '{map.TimeColumn}' for the time; the columns are {string.Join(", ", header)}."));
        var channelAt = new List<(string Channel, int Index)>();
        foreach (var (channel, column) in map.Channels)
        {
            var i = Index(column);
            if (i < 0) errors.Add(new(1, $"No column '{column}' for channel '{channel}'; the columns are {string.Join(", ", header)}."));
            else channelAt.Add((channel, i));
        }
        if (errors.Count > 0) return (rows, errors);

        for (var n = 1; n < lines.Length; n++)
        {
            var line = n + 1;
            if (string.IsNullOrWhiteSpace(lines[n])) continue;
            var cells = Split(lines[n], map.Delimiter);
            if (cells.Count != header.Count) { errors.Add(new(line, $"{cells.Count} cells where the header has {header.Count}.")); continue; }
            if (!TryTime(cells[timeAt].Trim(), map, out var time, out var why)) { errors.Add(new(line, why!)); continue; }
            var registers = new List<(string, long)>();
            var bad = false;
            foreach (var (channel, i) in channelAt)
            {
                var cell = cells[i].Trim();
                if (cell.Length == 0) continue; // no reading of this channel on this row
                if (!TryRegister(cell, factor, out var register, out var reason)) { errors.Add(new(line, $"column '{header[i]}': {reason}")); bad = true; break; }
                registers.Add((channel, register));
            }
            if (bad) continue;
            if (registers.Count == 0) { errors.Add(new(line, "no register in any mapped column.")); continue; }
            rows.Add(new CsvHistoryRow(line, time, registers));
        }
        // Seqs follow time; rows of the same time keep the file's order (a stable sort).
        return ([.. rows.OrderBy(r => r.Time)], errors);
    }

    private static bool TryRegister(string cell, long factor, out long register, out string? reason)
    {
        register = 0;
        reason = null;
        if (!decimal.TryParse(cell, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value))
        { reason = $"'{cell}' is not a number (a dot for decimals, no thousands separator)."; return false; }
        if (value < 0) { reason = $"{cell} is negative: a register counts up from zero."; return false; }
        decimal scaled;
        try { scaled = value * factor; } catch (OverflowException) { reason = $"{cell} is too large."; return false; }
        if (scaled != decimal.Truncate(scaled)) { reason = $"{cell} is not a whole number of the base unit (x{factor}); registers are kept exact, never rounded."; return false; }
        if (scaled > PayloadDecoder.MaxRegister) { reason = $"{cell} is above the largest register the ledger keeps exactly (2^53 base units)."; return false; }
        register = (long)scaled;
        return true;
    }

    private static bool TryTime(string cell, CsvHistoryMapping map, out DateTimeOffset time, out string? why)
    {
        time = default;
        why = null;
        DateTime local;
        if (map.TimeFormat is null or "iso")
        {
            // ISO 8601 with its own offset wins; without one the zone of the mapping applies.
            if (DateTimeOffset.TryParse(cell, CultureInfo.InvariantCulture, DateTimeStyles.None, out var withOffset) && HasOffset(cell)) { time = withOffset; return true; }
            if (!DateTime.TryParse(cell, CultureInfo.InvariantCulture, DateTimeStyles.None, out local)) { why = $"'{cell}' is not an ISO 8601 time (e.g. 2017-03-13T00:02:55Z)."; return false; }
        }
        else if (!DateTime.TryParseExact(cell, map.TimeFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out local))
        { why = $"'{cell}' does not match the time format '{map.TimeFormat}'."; return false; }
        local = DateTime.SpecifyKind(local, DateTimeKind.Unspecified);
        if (map.Zone is { } zone)
        {
            if (zone.IsInvalidTime(local)) { why = $"{cell} does not exist in {zone.Id} (the clocks skipped it)."; return false; }
            if (zone.IsAmbiguousTime(local)) { why = $"{cell} happened twice in {zone.Id} (the clocks went back): which one cannot be known."; return false; }
            time = new DateTimeOffset(local, zone.GetUtcOffset(local));
            return true;
        }
        time = new DateTimeOffset(local, map.Offset ?? TimeSpan.Zero);
        return true;
    }

    private static bool HasOffset(string cell) =>
        cell.EndsWith('Z') || cell.EndsWith('z') || (cell.Length > 6 && cell[^6] is '+' or '-' && cell[^3] == ':');

    /// <summary>Splits one line, honouring double quotes (RFC 4180: "" is a quote inside quotes).</summary>
    internal static List<string> Split(string line, char delimiter)
    {
        var cells = new List<string>();
        var cell = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cell.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cell.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == delimiter) { cells.Add(cell.ToString()); cell.Clear(); }
            else cell.Append(c);
        }
        cells.Add(cell.ToString());
        return cells;
    }
}
