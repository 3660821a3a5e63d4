using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Actuation;

/// <summary>A downlink command (docs/protocol.md, "command"). Which optional fields a command carries
/// depends on <see cref="Op"/>. The device-autonomy fields (docs/protocol.md, "Device autonomy"):
/// allowance's optional <see cref="StartMs"/> (`start`), <see cref="Used"/> (`used`) and
/// <see cref="UseClass"/> (`class`); stage's optional <see cref="Curtail"/>; safety's
/// <see cref="LeakS"/> and <see cref="BurstPerMin"/>.</summary>
public sealed record Command(string Cid, long ExpMs, string Op, string? Channel = null, long? Limit = null,
    long? PeriodS = null, long? Stage = null, string? State = null, long? StartMs = null, long? Used = null,
    string? UseClass = null, string? Curtail = null, long? LeakS = null, long? BurstPerMin = null, long? After = null);

/// <summary>Encodes downlink commands in the field order of docs/protocol.md and validates them with the
/// rules and error words the device applies (err of up/ack: unknown_op, bad_field,
/// unsupported_version), so the gateway never sends a command a device would refuse. The actuation
/// issue builds on it.</summary>
public static class CommandCodec
{
    public static readonly IReadOnlySet<string> Ops = new HashSet<string>(StringComparer.Ordinal)
    {
        "allowance", "stage", "valve", "relay", "safety", "reset", "ping", "refill",
    };

    /// <summary>docs/protocol.md, "Device autonomy": allowance's `class`.</summary>
    public static readonly IReadOnlySet<string> UseClasses = new HashSet<string>(StringComparer.Ordinal)
    {
        "essential", "standard", "discretionary",
    };

    /// <summary>docs/protocol.md, "Device autonomy": stage's `curtail` (never `essential`).</summary>
    public static readonly IReadOnlySet<string> CurtailLevels = new HashSet<string>(StringComparer.Ordinal)
    {
        "none", "discretionary", "standard",
    };

    public static Command Allowance(string cid, long expMs, string channel, long limit, long periodS,
        long? startMs = null, long? used = null, string? useClass = null) =>
        new(cid, expMs, "allowance", channel, limit, periodS, StartMs: startMs, Used: used, UseClass: useClass);

    public static Command Stage(string cid, long expMs, long stage, string? curtail = null) =>
        new(cid, expMs, "stage", Stage: stage, Curtail: curtail);

    public static Command Safety(string cid, long expMs, string channel, long leakS, long burstPerMin) =>
        new(cid, expMs, "safety", channel, LeakS: leakS, BurstPerMin: burstPerMin);

    public static Command Reset(string cid, long expMs, string channel) => new(cid, expMs, "reset", channel);

    /// <summary>docs/protocol.md, "refill": send again what the flash window holds after <paramref name="afterSeq"/>,
    /// the newest sequence number of the meter the ledger holds.</summary>
    public static Command Refill(string cid, long expMs, long afterSeq) => new(cid, expMs, "refill", After: afterSeq);

    /// <summary>docs/protocol.md, "command": stage 0-3 (normal, moderate, high, emergency).</summary>
    public const long MaxStage = 3;

    /// <summary>docs/protocol.md, safety: `leak_s` fits the device's 32-bit seconds (68 years).</summary>
    public const long MaxLeakS = int.MaxValue;

    public static byte[] Encode(Command c)
    {
        if (!TryCheck(c, out var reason)) throw new ArgumentException($"command is invalid ({reason})", nameof(c));
        using var ms = new MemoryStream(128);
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteNumber("v", PayloadDecoder.SupportedVersion);
            w.WriteString("cid", c.Cid);
            w.WriteNumber("exp", c.ExpMs);
            w.WriteString("op", c.Op);
            switch (c.Op)
            {
                case "allowance":
                    w.WriteString("ch", c.Channel);
                    w.WriteNumber("limit", c.Limit!.Value);
                    w.WriteNumber("period_s", c.PeriodS!.Value);
                    if (c.StartMs is { } start) w.WriteNumber("start", start);
                    if (c.Used is { } used) w.WriteNumber("used", used);
                    if (c.UseClass is { } useClass) w.WriteString("class", useClass);
                    break;
                case "stage":
                    w.WriteNumber("stage", c.Stage!.Value);
                    if (c.Curtail is { } curtail) w.WriteString("curtail", curtail);
                    break;
                case "safety":
                    w.WriteString("ch", c.Channel);
                    w.WriteNumber("leak_s", c.LeakS!.Value);
                    w.WriteNumber("burst_per_min", c.BurstPerMin!.Value);
                    break;
                case "reset":
                    w.WriteString("ch", c.Channel);
                    break;
                case "refill":
                    w.WriteNumber("after", c.After!.Value);
                    break;
                case "valve" or "relay":
                    w.WriteString("ch", c.Channel);
                    w.WriteString("state", c.State);
                    break;
            }
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    /// <summary>Decodes a command payload with the device's rules; false with the device's err word.</summary>
    public static bool TryDecode(ReadOnlySpan<byte> payload, [NotNullWhen(true)] out Command? command, out string reason)
    {
        command = null;
        reason = "bad_field";
        // Invalid UTF-8 or an escaped lone surrogate made GetString throw (found by fuzzing).
        if (payload.Length is 0 or > PayloadDecoder.MaxPayloadBytes || !System.Text.Unicode.Utf8.IsValid(payload)) return false;
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(payload, new JsonReaderOptions { MaxDepth = PayloadDecoder.MaxDepth });
            if (!JsonDocument.TryParseValue(ref reader, out doc!)) return false;
        }
        catch (JsonException) { return false; }
        using (doc)
        {
            try { return TryDecodeRoot(doc.RootElement, out command, out reason); }
            catch (InvalidOperationException) { reason = "bad_field"; return false; }
        }
    }

    private static bool TryDecodeRoot(JsonElement root, [NotNullWhen(true)] out Command? command, out string reason)
    {
        command = null;
        reason = "bad_field";
        if (root.ValueKind != JsonValueKind.Object) return false;
        if (Int(root, "v") is not { } v) return false;
        if (v != PayloadDecoder.SupportedVersion) { reason = "unsupported_version"; return false; }
        var op = Str(root, "op");
        if (op is not null && !Ops.Contains(op)) { reason = "unknown_op"; return false; }
        var c = new Command(Str(root, "cid") ?? "", Int(root, "exp") ?? -1, op ?? "", Str(root, "ch"), Int(root, "limit"),
            Int(root, "period_s"), Int(root, "stage"), Str(root, "state"), Int(root, "start"), Int(root, "used"),
            Str(root, "class"), Str(root, "curtail"), Int(root, "leak_s"), Int(root, "burst_per_min"), Int(root, "after"));
        // A present autonomy field of the wrong type is refused as the device refuses it.
        if (WrongType(root, "start", JsonValueKind.Number) || WrongType(root, "used", JsonValueKind.Number)
            || WrongType(root, "class", JsonValueKind.String) || WrongType(root, "curtail", JsonValueKind.String)) return false;
        if (!TryCheck(c, out reason)) return false;
        command = c;
        return true;
    }

    private static bool TryCheck(Command c, out string reason)
    {
        reason = "unknown_op";
        if (!Ops.Contains(c.Op)) return false;
        reason = "bad_field";
        if (!JsonFields.IsToken32(c.Cid) || c.ExpMs < 0) return false;
        return c.Op switch
        {
            "allowance" => JsonFields.IsChannelName(c.Channel) && c.Limit >= 0 && c.PeriodS >= 1
                && c.StartMs is null or >= 0 && c.Used is null or >= 0 && (c.UseClass is null || UseClasses.Contains(c.UseClass)),
            "stage" => c.Stage is >= 0 and <= MaxStage && (c.Curtail is null || CurtailLevels.Contains(c.Curtail)),
            "safety" => JsonFields.IsChannelName(c.Channel) && c.LeakS is >= 0 and <= MaxLeakS && c.BurstPerMin is >= 0,
            "reset" => JsonFields.IsChannelName(c.Channel),
            "refill" => c.After is >= 0,
            "valve" or "relay" => JsonFields.IsChannelName(c.Channel) && c.State is "open" or "closed",
            _ => true,
        };
    }

    private static bool WrongType(JsonElement e, string name, JsonValueKind kind) =>
        e.TryGetProperty(name, out var p) && (p.ValueKind != kind || kind == JsonValueKind.Number && !p.TryGetInt64(out _));

    private static string? Str(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;

    private static long? Int(JsonElement e, string name) =>
        e.TryGetProperty(name, out var p) && p.ValueKind == JsonValueKind.Number && p.TryGetInt64(out var v) ? v : null;
}
