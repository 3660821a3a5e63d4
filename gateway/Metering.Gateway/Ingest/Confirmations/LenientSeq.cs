using System.Text.Json;

namespace Commons.Metering.Gateway.Ingest.Confirmations;

/// <summary>The "seq" of a reading or event the gateway refused for good (bad_unit, clock_past,
/// unknown_meter, a malformed channel...), read leniently so the device can be told it may let it
/// go (docs/protocol.md, "confirmation"): the first top-level "seq" that is an integer >= 1, whatever
/// else is wrong with the payload. A payload whose seq cannot be read that way is never confirmed.</summary>
internal static class LenientSeq
{
    /// <summary>Our bound: a payload larger than this is not scanned (v1 allows 1024 bytes; an
    /// oversized one of a few KB still has its seq read, a giant one costs nothing).</summary>
    public const int MaxScanBytes = 16 * 1024;

    /// <summary>Our bound, as the decoder's: deeper nesting is not scanned.</summary>
    private const int MaxDepth = 8;

    public static bool TryRead(ReadOnlySpan<byte> payload, out long seq)
    {
        seq = 0;
        if (payload.Length > MaxScanBytes) return false;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = MaxDepth });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isSeq = reader.ValueTextEquals("seq"u8);
                if (!reader.Read()) return false;
                if (isSeq && reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value) && value >= 1)
                {
                    seq = value;
                    return true;
                }
                if (!reader.TrySkip()) return false;
            }
        }
        catch (JsonException)
        {
            // Broken JSON after the fields read so far: no seq found before it.
        }
        return false;
    }
}
