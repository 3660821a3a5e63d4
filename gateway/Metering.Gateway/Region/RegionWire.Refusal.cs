using System.Text.Json;

namespace Commons.Metering.Gateway.Region;

/// <summary>The refusal the region publishes on a community's refused topic over MQTT: the status,
/// title and detail the HTTP side would answer with as a problem (docs/federation.md, "Wire (MQTT)").</summary>
public static partial class RegionWire
{
    public static byte[] EncodeRefusal(int status, string title, string detail)
    {
        using var ms = new MemoryStream();
        // Relaxed escaping: the detail quotes ids with apostrophes, and this JSON never goes into HTML.
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteNumber("v", 1);
            w.WriteNumber("status", status);
            w.WriteString("title", title);
            w.WriteString("detail", detail);
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>"{status} {title}: {detail}", or false when it is not a refusal of version 1.</summary>
    public static bool TryDecodeRefusal(ReadOnlySpan<byte> json, out string refusal)
    {
        refusal = "";
        try
        {
            using var doc = JsonDocument.Parse(json.ToArray());
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("v", out var v) || v.ValueKind != JsonValueKind.Number || v.GetInt32() != 1) return false;
            if (!root.TryGetProperty("status", out var s) || s.ValueKind != JsonValueKind.Number) return false;
            var title = root.TryGetProperty("title", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString() : "";
            var detail = root.TryGetProperty("detail", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : "";
            refusal = $"{s.GetInt32()} {title}: {detail}";
            return true;
        }
        catch (Exception e) when (e is JsonException or FormatException) { return false; }
    }
}
