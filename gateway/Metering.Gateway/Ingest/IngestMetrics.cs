using System.Diagnostics.Metrics;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>What the ingest pipeline counts, on /metrics. Every rejection reason, flag and uplink kind of
/// docs/protocol.md is there from the start, at 0. The tags are built once: counting allocates nothing.</summary>
internal sealed class IngestMetrics
{
    public const string MeterName = "Metering.Ingest";

    private readonly Counter<long> _readings;
    private readonly Counter<long> _uplinks;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _flagged;
    private readonly KeyValuePair<string, object?>[] _reasons = Tags<RejectReason>("reason", r => r.Name());
    private readonly KeyValuePair<string, object?>[] _flags = Tags<ReadingFlag>("flag", f => f.Name());
    private readonly KeyValuePair<string, object?>[] _kinds = Tags<UplinkKind>("kind", k => k.ToString().ToLowerInvariant());

    public IngestMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _readings = meter.CreateCounter<long>("metering_readings_ingested_total",
            description: "Readings committed to the ledger (duplicates not included).");
        _uplinks = meter.CreateCounter<long>("metering_uplinks_committed_total",
            description: "Uplinks committed to the ledger, by kind.");
        _rejected = meter.CreateCounter<long>("metering_rejected_total",
            description: "Uplinks rejected, by reason (docs/protocol.md); duplicates are acknowledged all the same.");
        _flagged = meter.CreateCounter<long>("metering_flagged_total",
            description: "Flags raised on committed readings, by flag.");
        _readings.Add(0);
        foreach (var tag in _kinds) _uplinks.Add(0, tag);
        foreach (var tag in _reasons) _rejected.Add(0, tag);
        foreach (var tag in _flags) _flagged.Add(0, tag);
    }

    public void CountRejected(RejectReason reason) => _rejected.Add(1, _reasons[(int)reason]);

    public void CountFlag(ReadingFlag flag) => _flagged.Add(1, _flags[(int)flag]);

    public void CountCommitted(UplinkKind kind, bool reading)
    {
        _uplinks.Add(1, _kinds[(int)kind]);
        if (reading) _readings.Add(1);
    }

    /// <summary>One tag per enum value, at the value's index (the enums count from 0 without gaps).</summary>
    private static KeyValuePair<string, object?>[] Tags<T>(string key, Func<T, string> text) where T : struct, Enum
    {
        var values = Enum.GetValues<T>();
        var tags = new KeyValuePair<string, object?>[values.Length];
        foreach (var v in values) tags[Convert.ToInt32(v, System.Globalization.CultureInfo.InvariantCulture)] = new(key, text(v));
        return tags;
    }
}
