using System.Text;
using System.Text.Json;
using CsCheck;

namespace Commons.Metering.Testing.Fuzz;

/// <summary>One hostile uplink: where it came from (for the histogram and for shrunk failures), the
/// topic it arrives on, and its payload bytes.</summary>
public sealed record HostileInput(string Family, string Topic, byte[] Payload)
{
    public override string ToString() =>
        $"{Family} on '{Topic}': {Payload.Length} bytes, {Encoding.UTF8.GetString(Payload, 0, Math.Min(Payload.Length, 300))}";
}

/// <summary>CsCheck generators of hostile uplinks, built from the golden
/// vectors of tests/vectors/v1: random bytes, mutated vectors (bit flips, truncation, splicing,
/// duplicated keys), huge, negative and non-finite numbers, deep nesting, wrong types, invalid
/// UTF-8, oversized payloads and junk topics. Shared by the fuzz tests and `Metering.Bench fuzz`
/// (both reference this library). Meter ids are fz-0..fz-7 in community "fz"; the valid
/// streams the tests interleave use other ids, so no hostile input can touch their truth.</summary>
public sealed class HostileInputs
{
    public const string Community = "fz";
    public const int Meters = 8;

    /// <summary>Numbers a JSON integer field may be replaced by: int64 edges and just past them,
    /// fractions, exponents, negative zero, non-finite tokens (not JSON at all) and lookalikes.</summary>
    private static readonly string[] NumberTokens =
    [
        "0", "-1", "1", "-0", "9223372036854775807", "-9223372036854775808", "9223372036854775808",
        "-9223372036854775809", "99999999999999999999999999999999", "1e400", "1E2", "0.5", "-1.0", "1.", ".5",
        "NaN", "-NaN", "Infinity", "-Infinity", "\"NaN\"", "\"Infinity\"", "0x10", "+1", "01", "1_000",
    ];

    /// <summary>Values of the wrong JSON type for any field.</summary>
    private static readonly string[] WrongTypes =
    [
        "\"1\"", "\"\"", "true", "false", "null", "[]", "[1]", "{}", "{\"n\":\"main\"}", "\"main\"", "[{}]", "[[]]", "[null]",
        "\"\\ud800\"", "\"ma\\udc00in\"", // escaped lone surrogates: JSON syntax, but no string
    ];

    /// <summary>Byte sequences that are not UTF-8: lone continuation, overlong NUL, surrogate half,
    /// truncated 3-byte sequence, bytes never valid (RFC 3629, section 3).</summary>
    private static readonly byte[][] BadUtf8 =
    [
        [0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xE2, 0x82], [0xFF], [0xFE, 0xFF], [0xF4, 0x90, 0x80, 0x80],
    ];

    private static readonly string[] Kinds = ["reading", "event", "status", "ack"];

    private readonly (string Type, byte[] Bytes)[] _vectors;

    public HostileInputs(string vectorsRoot)
    {
        using var index = JsonDocument.Parse(File.ReadAllText(Path.Combine(vectorsRoot, "vectors.json")));
        _vectors = index.RootElement.GetProperty("valid").EnumerateArray()
            .Concat(index.RootElement.GetProperty("invalid").EnumerateArray())
            .Select(e => (e.GetProperty("type").GetString()!, File.ReadAllBytes(Path.Combine(vectorsRoot, e.GetProperty("file").GetString()!))))
            .ToArray();
        Valid = _vectors.Where(v => v.Type != "cmd").ToArray();
        Any = Gen.Frequency(
            (3, RandomBytes), (6, Mutated), (3, Numbers), (1, DeepNesting), (3, WrongType),
            (2, InvalidUtf8), (1, Oversized), (2, JunkTopic), (3, Vector));
    }

    /// <summary>The uplink vectors (readings, events, status, acks; valid and invalid).</summary>
    public IReadOnlyList<(string Type, byte[] Bytes)> Valid { get; }

    /// <summary>All vectors, commands included (for the downlink codec).</summary>
    public IReadOnlyList<(string Type, byte[] Bytes)> All => _vectors;

    /// <summary>Every family, weighted towards the near-valid inputs that reach the deep checks.</summary>
    public Gen<HostileInput> Any { get; }

    public static string Topic(int meter, string kind) => $"commons/v1/{Community}/fz-{meter}/up/{kind}";

    private static Gen<string> TopicFor(string type) =>
        Gen.Int[0, Meters - 1].Select(m => Topic(m, type is "cmd" ? "reading" : type));

    private static Gen<string> AnyTopic => Gen.Int[0, Meters - 1].SelectMany(m => Gen.OneOf(Kinds).Select(k => Topic(m, k)));

    private Gen<(string Type, byte[] Bytes)> AnyVector => Gen.Int[0, Valid.Count - 1].Select(i => Valid[i]);

    private Gen<HostileInput> Vector => AnyVector.SelectMany(v => TopicFor(v.Type).Select(t => new HostileInput("vector", t, v.Bytes)));

    private Gen<HostileInput> RandomBytes =>
        Gen.Byte.Array[0, 1100].SelectMany(b => AnyTopic.Select(t => new HostileInput("random_bytes", t, b)));

    private Gen<HostileInput> Mutated => Gen.Frequency(
        (3, AnyVector.SelectMany(v => Gen.Int[0, v.Bytes.Length * 8 - 1].Array[1, 4].SelectMany(bits => TopicFor(v.Type).Select(t =>
            new HostileInput("bit_flip", t, FlipBits(v.Bytes, bits)))))),
        (2, AnyVector.SelectMany(v => Gen.Int[0, v.Bytes.Length].SelectMany(n => TopicFor(v.Type).Select(t =>
            new HostileInput("truncated", t, v.Bytes[..n]))))),
        (2, Gen.Select(AnyVector, AnyVector, Gen.Double[0, 1], Gen.Double[0, 1]).SelectMany(p => TopicFor(p.Item1.Type).Select(t =>
            new HostileInput("spliced", t, Splice(p.Item1.Bytes, p.Item2.Bytes, p.Item3, p.Item4))))),
        (2, AnyVector.SelectMany(v => Gen.Double[0, 1].SelectMany(at => TopicFor(v.Type).Select(t =>
            new HostileInput("duplicated_key", t, DuplicateKey(v.Bytes, at)))))));

    private Gen<HostileInput> Numbers =>
        Gen.Select(AnyVector, Gen.OneOf(Gen.OneOf(NumberTokens), Gen.Long.Select(l => l.ToString(System.Globalization.CultureInfo.InvariantCulture))), Gen.Int[0, 10])
            .SelectMany(p => TopicFor(p.Item1.Type).Select(t => new HostileInput("number", t, ReplaceValue(p.Item1.Bytes, p.Item3, p.Item2, numbersOnly: true))));

    private Gen<HostileInput> WrongType =>
        Gen.Select(AnyVector, Gen.OneOf(WrongTypes), Gen.Int[0, 10])
            .SelectMany(p => TopicFor(p.Item1.Type).Select(t => new HostileInput("wrong_type", t, ReplaceValue(p.Item1.Bytes, p.Item3, p.Item2, numbersOnly: false))));

    private Gen<HostileInput> DeepNesting =>
        Gen.Select(Gen.Int[1, 5000], Gen.OneOf("[", "{\"a\":"), Gen.Bool).SelectMany(p => AnyTopic.Select(t =>
        {
            var open = string.Concat(Enumerable.Repeat(p.Item2, p.Item1));
            var close = p.Item3 ? new string(p.Item2 == "[" ? ']' : '}', p.Item1) : ""; // unbalanced too
            return new HostileInput("deep_nesting", t, Encoding.UTF8.GetBytes($"{{\"v\":1,\"seq\":1,\"x\":{open}1{close}}}"));
        }));

    private Gen<HostileInput> InvalidUtf8 =>
        Gen.Select(AnyVector, Gen.Int[0, BadUtf8.Length - 1], Gen.Double[0, 1]).SelectMany(p => TopicFor(p.Item1.Type).Select(t =>
            new HostileInput("invalid_utf8", t, InsertIntoString(p.Item1.Bytes, BadUtf8[p.Item2], p.Item3))));

    private Gen<HostileInput> Oversized =>
        Gen.Select(AnyVector, Gen.Int[1000, 70_000]).SelectMany(p => TopicFor(p.Item1.Type).Select(t =>
        {
            var pad = Encoding.UTF8.GetBytes($"{{\"pad\":\"{new string('x', p.Item2)}\",");
            return new HostileInput("oversized", t, [.. pad, .. p.Item1.Bytes.AsSpan(1)]);
        }));

    /// <summary>Topics that are not commons/v1/{id}/{id}/up/{kind}: wrong levels, wildcards, upper
    /// case, over-long ids, empty levels, non-ASCII; with a valid payload.</summary>
    private Gen<HostileInput> JunkTopic =>
        Gen.Select(AnyVector, Gen.OneOf(
                "commons/v1/fz/fz-0/up", "commons/v1/fz/fz-0/up/reading/x", "commons/v2/fz/fz-0/up/reading",
                "commons/v1/FZ/fz-0/up/reading", "commons/v1/fz//up/reading", "commons/v1/fz/+/up/reading",
                "commons/v1/fz/#", "commons/v1/fz/-a/up/reading", "commons/v1/fz/fz-0/down/cmd", "",
                "/commons/v1/fz/fz-0/up/reading", "commons/v1/fz/fz-0/up/readings", "commons/v1/fz/fz\u00e9/up/reading",
                "commons/v1/fz/fz-0\u0000/up/reading", $"commons/v1/fz/{new string('a', 49)}/up/reading"),
                Gen.Char.Array[0, 80])
            .Select(p => new HostileInput("junk_topic", p.Item3.Length % 2 == 0 ? p.Item2 : new string(p.Item3), p.Item1.Bytes));

    private static byte[] FlipBits(byte[] source, int[] bits)
    {
        var copy = (byte[])source.Clone();
        foreach (var bit in bits) copy[bit / 8] ^= (byte)(1 << (bit % 8));
        return copy;
    }

    private static byte[] Splice(byte[] a, byte[] b, double cutA, double cutB) =>
        [.. a.AsSpan(0, (int)(a.Length * cutA)), .. b.AsSpan((int)(b.Length * cutB))];

    /// <summary>Copies one "key":value pair of the top-level object to the front: {"seq":9,"v":1,"seq":4812,...}.</summary>
    private static byte[] DuplicateKey(byte[] source, double at)
    {
        var text = Encoding.UTF8.GetString(source);
        var pairs = TopLevelPairs(text);
        if (pairs.Count == 0 || text.Length < 2) return source;
        var (start, end) = pairs[(int)(at * (pairs.Count - 1))];
        return Encoding.UTF8.GetBytes("{" + text[start..end] + "," + text[1..]);
    }

    /// <summary>Replaces the value of the n-th "key": (counting every object level) by token.</summary>
    private static byte[] ReplaceValue(byte[] source, int n, string token, bool numbersOnly)
    {
        var text = Encoding.UTF8.GetString(source);
        var hits = new List<(int Start, int End)>();
        for (var i = text.IndexOf("\":", StringComparison.Ordinal); i >= 0; i = text.IndexOf("\":", i + 2, StringComparison.Ordinal))
        {
            var start = i + 2;
            var end = start;
            if (end < text.Length && text[end] == '"') end = text.IndexOf('"', end + 1) + 1;
            else while (end < text.Length && text[end] is not (',' or '}' or ']' or '[' or '{')) end++;
            if (end <= start) continue;
            if (numbersOnly && !(char.IsAsciiDigit(text[start]) || text[start] == '-')) continue;
            hits.Add((start, end));
        }
        if (hits.Count == 0) return source;
        var (s, e) = hits[n % hits.Count];
        return Encoding.UTF8.GetBytes(text[..s] + token + text[e..]);
    }

    /// <summary>Inserts bytes into a string value (just after an opening quote of a value).</summary>
    private static byte[] InsertIntoString(byte[] source, byte[] bad, double at)
    {
        var quotes = new List<int>();
        for (var i = 1; i < source.Length; i++)
            if (source[i] == (byte)'"' && source[i - 1] == (byte)':') quotes.Add(i + 1);
        var pos = quotes.Count > 0 ? quotes[(int)(at * (quotes.Count - 1))] : (int)(at * source.Length);
        return [.. source.AsSpan(0, pos), .. bad, .. source.AsSpan(pos)];
    }

    private static List<(int Start, int End)> TopLevelPairs(string text)
    {
        var pairs = new List<(int, int)>();
        int depth = 0, start = -1;
        var inString = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (inString) { if (c == '\\') i++; else if (c == '"') inString = false; continue; }
            if (c == '"') { inString = true; if (depth == 1 && start < 0) start = i; }
            else if (c is '{' or '[') depth++;
            else if (c is '}' or ']') { if (--depth == 0 && start >= 0) pairs.Add((start, i)); }
            else if (c == ',' && depth == 1 && start >= 0) { pairs.Add((start, i)); start = -1; }
        }
        return pairs;
    }
}
