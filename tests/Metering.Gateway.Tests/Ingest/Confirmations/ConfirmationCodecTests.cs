using System.Text;
using System.Text.Json;
using Commons.Metering.Gateway.Ingest.Confirmations;

namespace Commons.Metering.Gateway.Tests.Ingest.Confirmations;

/// <summary>The confirmation payload against the golden vectors (tests/vectors/v1/*/confirm-*.json):
/// the gateway encodes the valid ones byte for byte, and can never be made to encode the invalid ones.</summary>
public sealed class ConfirmationCodecTests
{
    public static TheoryData<string> ValidConfirmations => Vectors.Files(Vectors.Valid("confirm"));
    public static TheoryData<string> InvalidConfirmations => Vectors.Files(Vectors.Invalid("confirm"));

    [Theory]
    [MemberData(nameof(ValidConfirmations))]
    public void ValidVector_IsEncodedByteForByteFromItsRanges(string file)
    {
        var seqs = Vectors.Entry(file).GetProperty("expect").GetProperty("seqs").EnumerateArray().Select(e => e.GetInt64()).ToList();
        var ranges = Enumerable.Range(0, seqs.Count / 2).Select(i => new SeqRange(seqs[2 * i], seqs[2 * i + 1])).ToList();
        Assert.Equal(Encoding.UTF8.GetString(Vectors.Bytes(file)).TrimEnd(), Encoding.UTF8.GetString(ConfirmationCodec.Encode(ranges)));
    }

    /// <summary>Ranges the device refuses (odd count, reversed, zero, unordered, overlapping, too
    /// many) throw in the encoder; the rest (another version, no seqs, a string) are shapes the
    /// encoder cannot write, which the byte-exact valid vectors pin down.</summary>
    [Theory]
    [MemberData(nameof(InvalidConfirmations))]
    public void InvalidVector_CannotBeEncoded(string file)
    {
        using var doc = JsonDocument.Parse(Vectors.Bytes(file));
        var root = doc.RootElement;
        var numeric = root.GetProperty("v").GetInt32() == 1 && root.TryGetProperty("seqs", out var seqs)
            && seqs.EnumerateArray().All(e => e.ValueKind == JsonValueKind.Number);
        if (!numeric)
        {
            Assert.Contains(Vectors.Entry(file).GetProperty("reason").GetString(), new[] { "bad_field", "unsupported_version" });
            var valid = Vectors.Valid("confirm").Select(e => Encoding.UTF8.GetString(Vectors.Bytes(e.GetProperty("file").GetString()!)).TrimEnd());
            Assert.DoesNotContain(Encoding.UTF8.GetString(Vectors.Bytes(file)).TrimEnd(), valid);
            return;
        }
        var values = root.GetProperty("seqs").EnumerateArray().Select(e => e.GetInt64()).ToList();
        if (values.Count % 2 == 1)
        {
            // An odd count is no list of ranges at all: the encoder takes ranges, so it cannot write one.
            Assert.Equal("confirm-odd.json", Path.GetFileName(file));
            return;
        }
        var ranges = Enumerable.Range(0, values.Count / 2).Select(i => new SeqRange(values[2 * i], values[2 * i + 1])).ToList();
        Assert.Throws<ArgumentException>(() => ConfirmationCodec.Encode(ranges));
    }

    [Fact]
    public void Ranges_AreMaximalRunsOfWhatWasSeen_AndNeverCoverAnUnseenNumber()
    {
        Assert.Equal([new SeqRange(1, 3), new SeqRange(5, 5), new SeqRange(7, 8)], ConfirmationCodec.Ranges([1, 2, 3, 5, 7, 8]));
        Assert.Empty(ConfirmationCodec.Ranges([]));
        Assert.Equal([new SeqRange(long.MaxValue - 1, long.MaxValue)], ConfirmationCodec.Ranges([long.MaxValue - 1, long.MaxValue]));
    }

    [Fact]
    public void Topic_IsTheMetersDownConfirm()
    {
        Assert.Equal("commons/v1/c1/m1/down/confirm", ConfirmationCodec.Topic("c1", "m1"));
    }
}
