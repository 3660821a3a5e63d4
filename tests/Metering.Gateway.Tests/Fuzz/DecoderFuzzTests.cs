using System.Text.Json;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;
using Commons.Metering.Testing.Fuzz;
using CsCheck;

namespace Commons.Metering.Gateway.Tests.Fuzz;

/// <summary>Hostile input: every decoder meets a few thousand hostile inputs
/// (<see cref="HostileInputs"/>). None throws; a rejection carries a reason the decoder may give; an
/// acceptance is a payload that is strict JSON within the size limit and decodes to values inside
/// the protocol's ranges. The million-input run is `Metering.Bench fuzz`.</summary>
public sealed class DecoderFuzzTests
{
    /// <summary>A few seconds in the suite: a fast subset in CI.</summary>
    private const int Iterations = 4000;

    private static readonly HostileInputs Inputs = new(Vectors.Root);

    /// <summary>The reasons a decoder alone can give; the rest need the registry, clock or ledger.</summary>
    private static readonly RejectReason[] DecoderReasons =
        [RejectReason.Malformed, RejectReason.Oversized, RejectReason.UnsupportedVersion, RejectReason.BadUnit, RejectReason.NegativeRegister, RejectReason.RegisterOutOfRange];

    private static readonly JsonDocumentOptions Strict = new() { MaxDepth = PayloadDecoder.MaxDepth };

    [Fact]
    public void UplinkDecoders_OnHostileInput_NeverThrow_AndAcceptOnlyStrictJsonInRange()
    {
        var outcomes = new int[2];
        Inputs.Any.Sample(input =>
        {
            var p = input.Payload;
            var accepted = PayloadDecoder.TryDecodeReading(p, out var reading, out var r1)
                | PayloadDecoder.TryDecodeEvent(p, out var ev, out var r2)
                | PayloadDecoder.TryDecodeStatus(p, out var status, out var r3)
                | PayloadDecoder.TryDecodeAck(p, out var ack, out var r4);
            outcomes[accepted ? 1 : 0]++;
            if (reading is null) CheckRejected(p, r1);
            else CheckReading(p, reading);
            if (ev is null) CheckRejected(p, r2);
            else Assert.True(ev.Seq >= 1 && PayloadDecoder.EventKinds.Contains(ev.Kind) && StrictJson(p), input.ToString());
            if (status is null) CheckRejected(p, r3);
            else Assert.True(status.State is "online" or "offline" && !(status.Boot < 0 || status.Outbox < 0 || status.BatteryMv < 0) && StrictJson(p), input.ToString());
            if (ack is null) CheckRejected(p, r4);
            else Assert.True(ack.CommandId.Length is >= 1 and <= 32 && StrictJson(p), input.ToString());
        }, iter: Iterations, threads: 1);
        // Not vacuous: the mix reaches both outcomes.
        Assert.True(outcomes[0] > Iterations / 4 && outcomes[1] > Iterations / 50, $"rejected {outcomes[0]}, accepted {outcomes[1]}");
    }

    [Fact]
    public void CommandCodec_OnHostileInput_NeverThrows_AndWhatItAcceptsRoundTrips()
    {
        var cmdVectors = Inputs.All.Where(v => v.Type == "cmd").Select(v => v.Bytes).ToArray();
        var gen = Gen.OneOf(
            Inputs.Any.Select(i => i.Payload),
            Gen.Int[0, cmdVectors.Length - 1].SelectMany(i => Gen.Int[0, cmdVectors[i].Length * 8 - 1].Select(bit =>
            {
                var copy = (byte[])cmdVectors[i].Clone();
                copy[bit / 8] ^= (byte)(1 << (bit % 8));
                return copy;
            })));
        var accepted = 0;
        gen.Sample(payload =>
        {
            if (!CommandCodec.TryDecode(payload, out var command, out var reason))
            {
                Assert.Contains(reason, new[] { "bad_field", "unknown_op", "unsupported_version" });
                return;
            }
            accepted++;
            Assert.True(StrictJson(payload));
            Assert.True(CommandCodec.TryDecode(CommandCodec.Encode(command), out var again, out _));
            Assert.Equal(command, again);
        }, iter: Iterations, threads: 1);
        Assert.True(accepted > 0, "no command accepted: the generator never reached the codec's checks");
    }

    [Fact]
    public void UplinkTopic_OnHostileTopics_NeverThrows_AndWhatItAcceptsPrintsBackTheSame()
    {
        var gen = Gen.OneOf(Inputs.Any.Select(i => i.Topic), Gen.Char.Array[0, 120].Select(c => new string(c)),
            Gen.Select(Gen.Int[0, 5], Gen.String[Gen.Char["abz09_-/+#A"], 0, 50]).Select(p => $"commons/v1/{p.Item2}"));
        gen.Sample(topic =>
        {
            if (UplinkTopic.TryParse(topic, out var parsed)) Assert.Equal(topic, parsed.ToString());
        }, iter: Iterations, threads: 1);
    }

    /// <summary>Regression for what fuzzing found: GetString threw InvalidOperationException on invalid
    /// UTF-8 and on escaped lone surrogates, so the uplink was never acknowledged and came back forever.</summary>
    [Theory]
    [InlineData("{\"v\":1,\"seq\":1,\"ts\":1,\"ch\":[{\"n\":\"ma\xC0\x80in\",\"u\":\"mL\",\"reg\":5}]}")]
    [InlineData("{\"v\":1,\"seq\":1,\"ts\":1,\"ch\":[{\"n\":\"main\",\"u\":\"mL\",\"reg\":5}],\"x\":\"\xFF\"}")]
    [InlineData("{\"v\":1,\"seq\":1,\"ts\":1,\"ch\":[{\"n\":\"ma\\ud800in\",\"u\":\"mL\",\"reg\":5}]}")]
    public void Reading_WithInvalidUtf8OrLoneSurrogate_IsMalformed(string latin1)
    {
        var payload = System.Text.Encoding.Latin1.GetBytes(latin1); // \xC0 etc. become those raw bytes
        Assert.False(PayloadDecoder.TryDecodeReading(payload, out _, out var reason));
        Assert.Equal(RejectReason.Malformed, reason);
        Assert.False(CommandCodec.TryDecode(payload, out _, out _));
    }

    private static void CheckRejected(byte[] payload, RejectReason reason)
    {
        Assert.Contains(reason, DecoderReasons);
        Assert.Equal(payload.Length > PayloadDecoder.MaxPayloadBytes, reason == RejectReason.Oversized);
    }

    private static void CheckReading(byte[] payload, Reading reading)
    {
        Assert.True(StrictJson(payload), "accepted a payload that is not strict JSON");
        Assert.True(reading.Seq >= 1);
        Assert.InRange(reading.Channels.Count, 1, PayloadDecoder.MaxChannels);
        Assert.All(reading.Channels, c => Assert.True(c.Register >= 0 && JsonFields.IsChannelName(c.Name)));
        Assert.Equal(reading.Channels.Count, reading.Channels.Select(c => c.Name).Distinct().Count());
        Assert.True(reading.Permit is null || JsonFields.IsToken32(reading.Permit));
    }

    /// <summary>An accepted payload must at least be a JSON object (UTF-8, RFC 8259 grammar) within
    /// the size and depth limits: System.Text.Json's DOM as an independent second reading. An escaped
    /// lone surrogate in an ignored field passes: RFC 8259 section 8.2 allows it in the grammar.</summary>
    private static bool StrictJson(byte[] payload)
    {
        if (payload.Length > PayloadDecoder.MaxPayloadBytes) return false;
        try
        {
            using var doc = JsonDocument.Parse(payload, Strict);
            return doc.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }
}
