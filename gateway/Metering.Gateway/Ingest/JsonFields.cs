using System.Text.Json;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Gateway.Ingest;

/// <summary>Field readers shared by the uplink decoders. Each reads the value the reader is
/// positioned on; a value of the wrong type records the first error (<paramref name="error"/>) and
/// is skipped, so decoding goes on to find the payload version wherever it stands.</summary>
internal static partial class JsonFields
{
    /// <summary>An integer: a JSON number without fraction or exponent that fits in an int64
    /// (docs/protocol.md, "Encoding": integers only). Utf8JsonReader.TryGetInt64 refuses "12.5",
    /// "1e9" and 9223372036854775808.</summary>
    public static long? Int(ref Utf8JsonReader r, ref RejectReason? error, bool seenBefore)
    {
        if (seenBefore || r.TokenType != JsonTokenType.Number || !r.TryGetInt64(out var value))
        {
            Fail(ref error, RejectReason.Malformed);
            r.Skip();
            return null;
        }
        return value;
    }

    public static string? String(ref Utf8JsonReader r, ref RejectReason? error, bool seenBefore)
    {
        if (seenBefore || r.TokenType != JsonTokenType.String)
        {
            Fail(ref error, RejectReason.Malformed);
            r.Skip();
            return null;
        }
        try
        {
            return r.GetString();
        }
        catch (InvalidOperationException)
        {
            // An escaped lone surrogate ("\ud800") is valid JSON syntax but no string (found by fuzzing).
            Fail(ref error, RejectReason.Malformed);
            return null;
        }
    }

    public static bool? Bool(ref Utf8JsonReader r, ref RejectReason? error, bool seenBefore)
    {
        if (!seenBefore && r.TokenType is JsonTokenType.True or JsonTokenType.False) return r.GetBoolean();
        Fail(ref error, RejectReason.Malformed);
        r.Skip();
        return null;
    }

    public static void Fail(ref RejectReason? error, RejectReason reason) => error ??= reason;

    /// <summary>Channel names: ^[a-z0-9][a-z0-9_]{0,31}$ (docs/protocol.md, "reading").</summary>
    public static bool IsChannelName(string? s) => WireIds.IsChannelName(s);

    /// <summary>Command ids and permit ids: ^[A-Za-z0-9_-]{1,32}$ (docs/protocol.md).</summary>
    public static bool IsToken32(string? s) => WireIds.IsToken(s);
}
