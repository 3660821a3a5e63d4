using System.Buffers.Text;

namespace Commons.Metering.Gateway.Ingest.Confirmations;

/// <summary>One inclusive range of a meter's sequence numbers, <c>[First, Last]</c>.</summary>
internal readonly record struct SeqRange(long First, long Last);

/// <summary>The confirmation payload of docs/protocol.md, "confirmation (`down/confirm`)":
/// <c>{"v":1,"seqs":[first,last,...]}</c>, byte for byte as tests/vectors/v1/valid/confirm-*.json.
/// Encoded by hand into a fresh array (at most ~700 bytes: 16 ranges of two 19-digit numbers);
/// the device parses it by hand too, so the shape never varies.</summary>
internal static class ConfirmationCodec
{
    /// <summary>docs/protocol.md, "confirmation": at most 16 ranges per message.</summary>
    public const int MaxRanges = 16;

    public const string TopicSuffix = "down/confirm";

    /// <summary>commons/v1/{community}/{meter}/down/confirm.</summary>
    public static string Topic(string community, string meter) =>
        $"{UplinkTopic.Root}/{UplinkTopic.LayoutVersion}/{community}/{meter}/{TopicSuffix}";

    private static readonly byte[] Head = "{\"v\":1,\"seqs\":["u8.ToArray();
    private static readonly byte[] Tail = "]}"u8.ToArray();

    /// <summary>Throws for ranges the protocol does not allow (a caller's mistake: the hub builds
    /// them from sorted numbers): more than 16, a first below 1, a last below its first, or not
    /// ascending without overlap.</summary>
    public static byte[] Encode(IReadOnlyList<SeqRange> ranges)
    {
        Validate(ranges);
        // 20 bytes per int64 in decimal (19 digits) plus a comma each.
        Span<byte> buffer = stackalloc byte[Head.Length + Tail.Length + ranges.Count * 2 * 21];
        Head.CopyTo(buffer);
        var at = Head.Length;
        for (var i = 0; i < ranges.Count; i++)
        {
            if (i > 0) buffer[at++] = (byte)',';
            at += Write(buffer[at..], ranges[i].First);
            buffer[at++] = (byte)',';
            at += Write(buffer[at..], ranges[i].Last);
        }
        Tail.CopyTo(buffer[at..]);
        return buffer[..(at + Tail.Length)].ToArray();
    }

    /// <summary>Sorted, distinct sequence numbers as maximal runs of consecutive numbers: a number
    /// not in <paramref name="sortedDistinct"/> is never inside a range (docs/protocol.md: "one the
    /// gateway never saw never is").</summary>
    public static List<SeqRange> Ranges(IReadOnlyList<long> sortedDistinct)
    {
        var ranges = new List<SeqRange>();
        var i = 0;
        while (i < sortedDistinct.Count)
        {
            var first = sortedDistinct[i];
            var last = first;
            while (++i < sortedDistinct.Count && sortedDistinct[i] == last + 1) last++;
            ranges.Add(new SeqRange(first, last));
        }
        return ranges;
    }

    private static void Validate(IReadOnlyList<SeqRange> ranges)
    {
        if (ranges.Count > MaxRanges)
            throw new ArgumentException($"a confirmation carries at most {MaxRanges} ranges, not {ranges.Count}", nameof(ranges));
        for (var i = 0; i < ranges.Count; i++)
        {
            var (first, last) = ranges[i];
            if (first < 1 || last < first)
                throw new ArgumentException($"range {i} [{first}, {last}] is not 1 <= first <= last", nameof(ranges));
            if (i > 0 && first <= ranges[i - 1].Last)
                throw new ArgumentException($"range {i} [{first}, {last}] does not follow [{ranges[i - 1].First}, {ranges[i - 1].Last}] without overlap", nameof(ranges));
        }
    }

    private static int Write(Span<byte> destination, long value) =>
        Utf8Formatter.TryFormat(value, destination, out var written) ? written : throw new InvalidOperationException("buffer too small");
}
