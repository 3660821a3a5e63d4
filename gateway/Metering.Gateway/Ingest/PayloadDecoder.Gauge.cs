using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>Gauge uplinks (docs/protocol.md, gauge).</summary>
internal static partial class PayloadDecoder
{
    public static bool TryDecodeGauge(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out GaugeUplink? gauge, out RejectReason reason)
    {
        gauge = null;
        long? seq = null, ts = null;
        List<GaugeValue>? gauges = null;
        bool gaugesSeen = false;
        if (!ReadObject(payload, (ref Utf8JsonReader r, ref RejectReason? error) =>
            {
                if (r.ValueTextEquals("seq"u8)) { r.Read(); seq = JsonFields.Int(ref r, ref error, seq is not null); }
                else if (r.ValueTextEquals("ts"u8)) { r.Read(); ts = JsonFields.Int(ref r, ref error, ts is not null); }
                else if (r.ValueTextEquals("g"u8)) { r.Read(); gauges = Gauges(ref r, ref error, gaugesSeen); gaugesSeen = true; }
                else return false;
                return true;
            }, out reason)) return false;
        if (seq is null or < 1 || ts is null || gauges is null || gauges.Count is 0 or > GaugeWords.MaxGauges)
        {
            reason = RejectReason.Malformed;
            return false;
        }
        gauge = new GaugeUplink(seq.Value, ts.Value, gauges);
        return true;
    }

    private static List<GaugeValue>? Gauges(ref Utf8JsonReader r, ref RejectReason? error, bool seenBefore)
    {
        if (seenBefore || r.TokenType != JsonTokenType.StartArray)
        {
            JsonFields.Fail(ref error, RejectReason.Malformed);
            r.Skip();
            return null;
        }
        var list = new List<GaugeValue>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartObject)
            {
                JsonFields.Fail(ref error, RejectReason.Malformed);
                r.Skip();
                continue;
            }
            string? name = null, quantity = null, sensor = null;
            long? last = null, min = null, max = null, mean = null, samples = null;
            bool nSeen = false, qSeen = false, sSeen = false;
            while (NextProperty(ref r))
            {
                if (r.ValueTextEquals("n"u8)) { r.Read(); name = JsonFields.String(ref r, ref error, nSeen); nSeen = true; }
                else if (r.ValueTextEquals("q"u8)) { r.Read(); quantity = JsonFields.String(ref r, ref error, qSeen); qSeen = true; }
                else if (r.ValueTextEquals("s"u8)) { r.Read(); sensor = JsonFields.String(ref r, ref error, sSeen); sSeen = true; }
                else if (r.ValueTextEquals("last"u8)) { r.Read(); last = JsonFields.Int(ref r, ref error, last is not null); }
                else if (r.ValueTextEquals("min"u8)) { r.Read(); min = JsonFields.Int(ref r, ref error, min is not null); }
                else if (r.ValueTextEquals("max"u8)) { r.Read(); max = JsonFields.Int(ref r, ref error, max is not null); }
                else if (r.ValueTextEquals("mean"u8)) { r.Read(); mean = JsonFields.Int(ref r, ref error, mean is not null); }
                else if (r.ValueTextEquals("samples"u8)) { r.Read(); samples = JsonFields.Int(ref r, ref error, samples is not null); }
                else { r.Read(); r.Skip(); }
            }
            // A summary is consistent by construction on the device: min <= last, mean <= max.
            if (!JsonFields.IsChannelName(name) || quantity is null || !GaugeWords.Quantities.Contains(quantity)
                || sensor is null || !GaugeWords.Sensors.Contains(sensor)
                || last is null || min is null || max is null || mean is null || samples is null or < 1
                || min > max || last < min || last > max || mean < min || mean > max
                || list.Exists(g => g.Name == name))
                JsonFields.Fail(ref error, RejectReason.Malformed);
            else
                list.Add(new GaugeValue(name!, quantity, sensor, last.Value, min.Value, max.Value, mean.Value, samples.Value));
        }
        return list;
    }
}
