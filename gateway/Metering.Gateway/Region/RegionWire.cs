using System.Text.Json;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;

namespace Commons.Metering.Gateway.Region;

/// <summary>A community's use of one resource so far in one period (cumulative, like a register:
/// a later report of the same period replaces an earlier one, so a resent report counts once).</summary>
public sealed record ResourceUse(Resource Resource, PolicyPeriod Period, long FromMs, long Used, int Households, long Persons, int Stage);

/// <summary>One upward report (docs/federation.md, "Wire"). <see cref="Seq"/> never repeats for a
/// community and grows: it is the idempotency key at the region. <see cref="OpenBreakers"/> counts the
/// community's open breakers (channel, zone and resource) at the time.
/// <see cref="Gauges"/>: shared gauges the community reports under regional names (a river's level),
/// the inputs of the region's stage triggers; absent from the encoding when there are none.</summary>
public sealed record RegionReport(string Community, long Seq, long TsMs, int OpenBreakers, IReadOnlyList<ResourceUse> Resources,
    IReadOnlyList<RegionalGauge>? Gauges = null);

/// <summary>A shared gauge's last value as the community measured it at <see cref="TsMs"/>, in the
/// gauge's own integer unit (docs/protocol.md, gauge), under its regional <see cref="Name"/>.</summary>
public sealed record RegionalGauge(string Name, long Value, long TsMs);

/// <summary>A delegated cap for one resource and period, valid until <see cref="ValidUntilMs"/>, and the
/// regional stage (0-3) in force until <see cref="StageUntilMs"/> (0: none), when it ends by itself.</summary>
public sealed record DelegatedCap(Resource Resource, long FromMs, long ToMs, long Cap, long Floor, long ValidUntilMs, int Stage = 0, long StageUntilMs = 0);

/// <summary>The region's answer, sent only once its ledger holds the report.</summary>
public sealed record RegionAnswer(string Region, string Community, long Seq, bool Duplicate, IReadOnlyList<DelegatedCap> Caps);

/// <summary>Hand-ordered JSON for both messages (field order as in docs/federation.md; decoders do not
/// depend on it) and strict decoding: every field required, integers only, clear reasons.</summary>
public static partial class RegionWire
{
    public const int Version = 1;

    /// <summary>A report lists at most the three resources; 4 KiB is far above that (about 600 bytes).</summary>
    public const int MaxReportBytes = 4096;

    public static byte[] Encode(RegionReport r)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("v", Version);
            w.WriteString("community", r.Community);
            w.WriteNumber("seq", r.Seq);
            w.WriteNumber("ts", r.TsMs);
            w.WriteNumber("breakers", r.OpenBreakers);
            w.WriteStartArray("resources");
            foreach (var u in r.Resources)
            {
                w.WriteStartObject();
                w.WriteString("r", u.Resource.Name());
                w.WriteString("period", u.Period.ToString().ToLowerInvariant());
                w.WriteNumber("from", u.FromMs);
                w.WriteNumber("used", u.Used);
                w.WriteNumber("households", u.Households);
                w.WriteNumber("persons", u.Persons);
                w.WriteNumber("stage", u.Stage);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            if (r.Gauges is { Count: > 0 } gauges)
            {
                w.WriteStartArray("gauges");
                foreach (var g in gauges)
                {
                    w.WriteStartObject();
                    w.WriteString("g", g.Name);
                    w.WriteNumber("value", g.Value);
                    w.WriteNumber("ts", g.TsMs);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
            }
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>A report carries at most 8 gauges: a region's triggers watch a few rivers or wells.</summary>
    public const int MaxGauges = 8;

    public static byte[] Encode(RegionAnswer a)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("v", Version);
            w.WriteString("region", a.Region);
            w.WriteString("community", a.Community);
            w.WriteNumber("seq", a.Seq);
            w.WriteBoolean("duplicate", a.Duplicate);
            w.WriteStartArray("caps");
            foreach (var c in a.Caps)
            {
                w.WriteStartObject();
                w.WriteString("r", c.Resource.Name());
                w.WriteNumber("from", c.FromMs);
                w.WriteNumber("to", c.ToMs);
                w.WriteNumber("cap", c.Cap);
                w.WriteNumber("floor", c.Floor);
                w.WriteNumber("valid_until", c.ValidUntilMs);
                w.WriteNumber("stage", c.Stage);
                w.WriteNumber("stage_until", c.StageUntilMs);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    public static bool TryDecodeReport(ReadOnlySpan<byte> json, out RegionReport? report, out string error)
    {
        report = null;
        if (json.Length > MaxReportBytes) { error = $"a report is at most {MaxReportBytes} bytes, this one {json.Length}"; return false; }
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            CheckVersion(root);
            var community = Str(root, "community");
            if (!RegionIds.Valid(community)) throw new FormatException($"'community' must match {RegionIds.Pattern}");
            var seq = Int(root, "seq", 1, long.MaxValue);
            var ts = Int(root, "ts", 0, long.MaxValue);
            var breakers = (int)Int(root, "breakers", 0, int.MaxValue);
            var uses = new List<ResourceUse>();
            foreach (var e in Array(root, "resources", 3))
            {
                if (!Resources.TryParse(Str(e, "r"), out var r)) throw new FormatException("'r' must be water, energy or forest");
                if (uses.Any(u => u.Resource == r)) throw new FormatException($"'{r.Name()}' is listed twice");
                var periodName = Str(e, "period");
                if (!Enum.TryParse<PolicyPeriod>(periodName, ignoreCase: true, out var period) || periodName != periodName.ToLowerInvariant() || int.TryParse(periodName, out _))
                    throw new FormatException("'period' must be day, week, month, season or year");
                uses.Add(new ResourceUse(r, period, Int(e, "from", 0, long.MaxValue), Int(e, "used", 0, long.MaxValue),
                    (int)Int(e, "households", 0, int.MaxValue), Int(e, "persons", 0, int.MaxValue), (int)Int(e, "stage", 0, 3)));
            }
            var gauges = new List<RegionalGauge>();
            if (root.TryGetProperty("gauges", out _))
                foreach (var g in Array(root, "gauges", MaxGauges))
                {
                    var name = Str(g, "g");
                    if (!RegionIds.Valid(name)) throw new FormatException($"'g' must match {RegionIds.Pattern}");
                    if (gauges.Any(x => x.Name == name)) throw new FormatException($"gauge '{name}' is listed twice");
                    gauges.Add(new RegionalGauge(name, Int(g, "value", long.MinValue, long.MaxValue), Int(g, "ts", 0, long.MaxValue)));
                }
            report = new RegionReport(community, seq, ts, breakers, uses, gauges);
            error = "";
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            error = e.Message;
            return false;
        }
    }

    public static bool TryDecodeAnswer(ReadOnlySpan<byte> json, out RegionAnswer? answer, out string error)
    {
        answer = null;
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            CheckVersion(root);
            var caps = new List<DelegatedCap>();
            foreach (var e in Array(root, "caps", 3))
            {
                if (!Resources.TryParse(Str(e, "r"), out var r)) throw new FormatException("'r' must be water, energy or forest");
                caps.Add(new DelegatedCap(r, Int(e, "from", 0, long.MaxValue), Int(e, "to", 0, long.MaxValue), Int(e, "cap", 0, long.MaxValue),
                    Int(e, "floor", 0, long.MaxValue), Int(e, "valid_until", 0, long.MaxValue), (int)Int(e, "stage", 0, 3), Int(e, "stage_until", 0, long.MaxValue)));
            }
            if (!root.TryGetProperty("duplicate", out var dup) || dup.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                throw new FormatException("'duplicate' must be true or false");
            answer = new RegionAnswer(Str(root, "region"), Str(root, "community"), Int(root, "seq", 1, long.MaxValue), dup.GetBoolean(), caps);
            error = "";
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException or InvalidOperationException)
        {
            error = e.Message;
            return false;
        }
    }

    private static void CheckVersion(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object) throw new FormatException("must be a JSON object");
        if (Int(root, "v", 0, int.MaxValue) != Version) throw new FormatException($"unsupported version: 'v' must be {Version}");
    }

    private static string Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString()! : throw new FormatException($"'{name}' must be a string");

    private static long Int(JsonElement o, string name, long min, long max)
    {
        if (!o.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.Number || !p.TryGetInt64(out var v))
            throw new FormatException($"'{name}' must be a whole number");
        if (v < min || v > max) throw new FormatException($"'{name}' is {v}, must be between {min} and {max}");
        return v;
    }

    private static JsonElement.ArrayEnumerator Array(JsonElement o, string name, int max)
    {
        if (!o.TryGetProperty(name, out var p) || p.ValueKind != JsonValueKind.Array) throw new FormatException($"'{name}' must be an array");
        if (p.GetArrayLength() > max) throw new FormatException($"'{name}' holds at most {max} entries");
        return p.EnumerateArray();
    }
}
