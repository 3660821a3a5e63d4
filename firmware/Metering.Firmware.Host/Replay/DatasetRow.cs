namespace Commons.Metering.Firmware.Host.Replay;

/// <summary>One measured register of a real meter: at <see cref="UnixMs"/> the channel's
/// cumulative register stood at <see cref="Register"/> base units (mL, Wh, g).</summary>
public readonly record struct DatasetRow(long UnixMs, string MeterId, string Channel, string Unit, long Register);

/// <summary>A parsed dataset: rows ordered by time, then meter id, then the file's channel order.</summary>
public sealed class Dataset
{
    public required string Source { get; init; }
    public required IReadOnlyList<DatasetRow> Rows { get; init; }

    /// <summary>Columns left out because they repeat another column (OPSD home 4's <c>pv.1</c>).</summary>
    public IReadOnlyList<string> DuplicateColumns { get; init; } = [];

    /// <summary>Cells where a left-out duplicate column disagreed with the column it repeats.</summary>
    public int DuplicateMismatches { get; init; }

    public IReadOnlyList<string> MeterIds => Rows.Select(r => r.MeterId).Distinct().Order(StringComparer.Ordinal).ToList();
}
