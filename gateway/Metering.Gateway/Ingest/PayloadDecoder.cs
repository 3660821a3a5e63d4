using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>Decodes and validates v1 uplink payloads (docs/protocol.md) with Utf8JsonReader: no
/// reflection, no DOM, a small depth limit, integers only. Each method returns false with the exact
/// rejection reason the protocol lists; the golden vectors in tests/vectors/v1 are its test.</summary>
internal static partial class PayloadDecoder
{
    /// <summary>docs/protocol.md, "Encoding": at most 1024 bytes per payload.</summary>
    public const int MaxPayloadBytes = 1024;

    /// <summary>The format is flat (reading: object > ch array > channel object = depth 3); a little
    /// head-room for unknown fields, far below the deep-nesting vector.</summary>
    public const int MaxDepth = 8;

    /// <summary>docs/protocol.md, "reading": ch has 1..16 entries.</summary>
    public const int MaxChannels = 16;

    public const long SupportedVersion = 1;

    /// <summary>docs/protocol.md, "reading": 2^53, the largest integer every JSON reader, SQLite REAL
    /// and InfluxDB float holds exactly; 9 million m3 of water or 9 TWh on one register. Keeps every
    /// sum of usage an exact integer (SQLite turns an overflowing INTEGER sum into REAL).</summary>
    public const long MaxRegister = 1L << 53;

    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        MaxDepth = MaxDepth,
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
    };

    public static bool TryDecodeReading(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out Reading? reading, out RejectReason reason)
    {
        reading = null;
        long? seq = null, ts = null;
        List<ChannelRegister>? channels = null;
        string? permit = null;
        bool permitSeen = false, channelsSeen = false;
        if (!ReadObject(payload, (ref Utf8JsonReader r, ref RejectReason? error) =>
            {
                if (r.ValueTextEquals("seq"u8)) { r.Read(); seq = JsonFields.Int(ref r, ref error, seq is not null); }
                else if (r.ValueTextEquals("ts"u8)) { r.Read(); ts = JsonFields.Int(ref r, ref error, ts is not null); }
                else if (r.ValueTextEquals("ch"u8)) { r.Read(); channels = Channels(ref r, ref error, channelsSeen); channelsSeen = true; }
                else if (r.ValueTextEquals("permit"u8)) { r.Read(); permit = JsonFields.String(ref r, ref error, permitSeen); permitSeen = true; }
                else return false;
                return true;
            }, out reason)) return false;
        if (seq is null or < 1 || ts is null || channels is null || channels.Count is 0 or > MaxChannels
            || (permitSeen && !JsonFields.IsToken32(permit)))
        {
            reason = RejectReason.Malformed;
            return false;
        }
        reading = new Reading(seq.Value, ts.Value, channels, permit);
        return true;
    }

    private static List<ChannelRegister>? Channels(ref Utf8JsonReader r, ref RejectReason? error, bool seenBefore)
    {
        if (seenBefore || r.TokenType != JsonTokenType.StartArray)
        {
            JsonFields.Fail(ref error, RejectReason.Malformed);
            r.Skip();
            return null;
        }
        var list = new List<ChannelRegister>();
        while (r.Read() && r.TokenType != JsonTokenType.EndArray)
        {
            if (r.TokenType != JsonTokenType.StartObject)
            {
                JsonFields.Fail(ref error, RejectReason.Malformed);
                r.Skip();
                continue;
            }
            string? name = null, unit = null;
            long? register = null;
            bool nameSeen = false, unitSeen = false, regSeen = false;
            while (NextProperty(ref r))
            {
                if (r.ValueTextEquals("n"u8)) { r.Read(); name = JsonFields.String(ref r, ref error, nameSeen); nameSeen = true; }
                else if (r.ValueTextEquals("u"u8)) { r.Read(); unit = JsonFields.String(ref r, ref error, unitSeen); unitSeen = true; }
                else if (r.ValueTextEquals("reg"u8)) { r.Read(); register = JsonFields.Int(ref r, ref error, regSeen); regSeen = true; }
                else { r.Read(); r.Skip(); }
            }
            if (!JsonFields.IsChannelName(name) || unit is null || register is null)
                JsonFields.Fail(ref error, RejectReason.Malformed);
            else if (!Resources.TryFromUnit(unit, out var resource))
                JsonFields.Fail(ref error, RejectReason.BadUnit);
            else if (register < 0)
                JsonFields.Fail(ref error, RejectReason.NegativeRegister);
            else if (register > MaxRegister)
                JsonFields.Fail(ref error, RejectReason.RegisterOutOfRange);
            else if (list.Exists(c => c.Name == name))
                JsonFields.Fail(ref error, RejectReason.Malformed);
            else
                list.Add(new ChannelRegister(name!, resource, register.Value));
        }
        return list;
    }

    /// <summary>Reads the field a decoder knows at the current property name (consuming its value)
    /// and returns true; false for a field it does not know, which is then skipped (docs/protocol.md:
    /// unknown fields are ignored).</summary>
    private delegate bool FieldReader(ref Utf8JsonReader r, ref RejectReason? error);

    /// <summary>The frame every v1 payload shares: size and UTF-8 precheck, one flat JSON object with
    /// "v" and the decoder's fields, nothing after it, then the version, then the first field error.
    /// False with the reason; on true the decoder validates the fields it read.</summary>
    private static bool ReadObject(ReadOnlySpan<byte> payload, FieldReader readField, out RejectReason reason)
    {
        if (!Precheck(payload, out reason)) return false;
        long? v = null;
        RejectReason? error = null;
        try
        {
            var r = new Utf8JsonReader(payload, ReaderOptions);
            if (!StartObject(ref r)) { reason = RejectReason.Malformed; return false; }
            while (NextProperty(ref r))
            {
                if (r.ValueTextEquals("v"u8)) { r.Read(); v = JsonFields.Int(ref r, ref error, v is not null); }
                else if (!readField(ref r, ref error)) { r.Read(); r.Skip(); }
            }
            EndOfPayload(ref r);
        }
        catch (JsonException) { reason = RejectReason.Malformed; return false; }

        if (!Version(v, out reason)) return false;
        if (error is { } e) { reason = e; return false; }
        return true;
    }

    /// <summary>Size first, then UTF-8 (docs/protocol.md, "Encoding": UTF-8 JSON; RFC 8259 section 8.1).
    /// Utf8JsonReader does not validate the UTF-8 inside strings it skips, and GetString throws
    /// InvalidOperationException on it (found by tests/Metering.Gateway.Tests/Fuzz).</summary>
    private static bool Precheck(ReadOnlySpan<byte> payload, out RejectReason reason)
    {
        reason = payload.Length > MaxPayloadBytes ? RejectReason.Oversized : RejectReason.Malformed;
        return payload.Length is > 0 and <= MaxPayloadBytes && System.Text.Unicode.Utf8.IsValid(payload);
    }

    private static bool StartObject(ref Utf8JsonReader r) => r.Read() && r.TokenType == JsonTokenType.StartObject;

    /// <summary>Advances to the next property name of the current object; false at its end.</summary>
    private static bool NextProperty(ref Utf8JsonReader r)
    {
        if (!r.Read()) throw new JsonException("unexpected end");
        return r.TokenType == JsonTokenType.PropertyName;
    }

    /// <summary>After the top-level object only whitespace may follow: Read throws on trailing data.</summary>
    private static void EndOfPayload(ref Utf8JsonReader r)
    {
        if (r.TokenType != JsonTokenType.EndObject || r.CurrentDepth != 0 || r.Read())
            throw new JsonException("trailing data");
    }

    /// <summary>A payload without a version, or with a version this gateway does not know, is never
    /// guessed at (docs/protocol.md, "Topics").</summary>
    private static bool Version(long? v, out RejectReason reason)
    {
        reason = v is null ? RejectReason.Malformed : RejectReason.UnsupportedVersion;
        return v == SupportedVersion;
    }
}
