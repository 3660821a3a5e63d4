using System.Globalization;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ledger;
using InfluxDB.Client.Writes;

namespace Commons.Metering.Gateway.Sinks;

/// <summary><see cref="InfluxLine.For"/> for the ledger's outbox rows (<see cref="InfluxSinkRows"/>) and
/// the rebuild (Sqlite/LedgerReplay.cs), byte for byte the same lines, with the
/// library's work done once per series instead of once per reading: InfluxDB.Client's PointData
/// escapes the measurement and tags (the series key) and the flag's string value, and those strings
/// are kept; the integer fields and the timestamp, which need no escaping, are appended per reading.
/// Building every line with PointData was 12% of the writer thread's samples (`ledger` under perf,
/// docs/benchmarks.md), and the writer is the one serial stage of ingest. One instance per thread
/// (not thread-safe); at most <see cref="MaxSeries"/> series keys are kept, then the cache starts over.</summary>
internal sealed class InfluxLineBuilder
{
    public const int MaxSeries = 16_384;

    private const string ProbeField = " reg=0i";
    private readonly Dictionary<(MeterInfo Meter, string Channel, string? Household), string> _series = [];
    private readonly Dictionary<string, string> _flags = new(StringComparer.Ordinal);

    public int CachedSeries => _series.Count;

    public string For(MeterInfo meter, Reading reading, ChannelRegister channel, long usageBase, string? flag, string? household = null)
    {
        var series = Series(meter, channel.Name, household);
        var flagField = flag is null ? "" : FlagField(flag);
        // Fields in PointData's order (sorted by name: flag, reg, seq, usage), integers with its 'i'.
        return string.Create(CultureInfo.InvariantCulture,
            $"{series} {flagField}reg={channel.Register}i,seq={reading.Seq}i,usage={usageBase}i {reading.TsMs}");
    }

    /// <summary>"reading,channel=..,community=..,household=..,meter=..,resource=.." as PointData writes it.</summary>
    private string Series(MeterInfo meter, string channel, string? household)
    {
        if (_series.TryGetValue((meter, channel, household), out var series)) return series;
        var probe = PointData.Builder.Measurement(InfluxLine.Measurement)
            .Tag("community", meter.Community)
            .Tag("meter", meter.Id)
            .Tag("channel", channel)
            .Tag("resource", meter.Resource.Name())
            .Tag("household", household)
            .Field("reg", 0L)
            .ToPointData().ToLineProtocol();
        if (!probe.EndsWith(ProbeField, StringComparison.Ordinal))
            throw new InvalidOperationException($"unexpected line protocol from PointData: {probe}");
        series = probe[..^ProbeField.Length];
        if (_series.Count >= MaxSeries) _series.Clear();
        _series[(meter, channel, household)] = series;
        return series;
    }

    /// <summary>"flag=\"..\"," as PointData writes the string field (flags are a handful of names).</summary>
    private string FlagField(string flag)
    {
        if (_flags.TryGetValue(flag, out var field)) return field;
        const string Probe = "m ";
        var line = PointData.Measurement("m").Field("flag", flag).ToLineProtocol();
        if (!line.StartsWith(Probe, StringComparison.Ordinal))
            throw new InvalidOperationException($"unexpected line protocol from PointData: {line}");
        field = line[Probe.Length..] + ",";
        if (_flags.Count < 64) _flags[flag] = field;
        return field;
    }
}
