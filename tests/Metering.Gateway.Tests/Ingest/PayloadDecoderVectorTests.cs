using System.Text.Json;
using System.Text.Json.Nodes;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>Every golden vector of tests/vectors/v1: valid uplinks decode to their 'expect' fields,
/// invalid ones are rejected with their 'reason'; command vectors go through the command codec.</summary>
public sealed class PayloadDecoderVectorTests
{
    public static TheoryData<string> ValidUplinks => Vectors.Files(Vectors.Valid("reading", "event", "status", "ack", "gauge"));
    public static TheoryData<string> InvalidUplinks => Vectors.Files(Vectors.Invalid("reading", "event", "status", "ack", "gauge"));
    public static TheoryData<string> ValidCommands => Vectors.Files(Vectors.Valid("cmd"));
    public static TheoryData<string> InvalidCommands => Vectors.Files(Vectors.Invalid("cmd"));

    [Theory]
    [MemberData(nameof(ValidUplinks))]
    public void ValidUplinkVector_DecodesToTheExpectedFields(string file)
    {
        var entry = Vectors.Entry(file);
        var payload = Vectors.Bytes(file);
        var actual = Decode(entry.GetProperty("type").GetString()!, payload, out var reason);
        Assert.True(actual is not null, $"{file} was rejected as {reason}");
        var expected = JsonNode.Parse(entry.GetProperty("expect").GetRawText());
        Assert.True(JsonNode.DeepEquals(expected, actual), $"{file}: expected {expected?.ToJsonString()} got {actual!.ToJsonString()}");
    }

    [Theory]
    [MemberData(nameof(InvalidUplinks))]
    public void InvalidUplinkVector_IsRejectedWithTheListedReason(string file)
    {
        var entry = Vectors.Entry(file);
        var decoded = Decode(entry.GetProperty("type").GetString()!, Vectors.Bytes(file), out var reason);
        Assert.Null(decoded);
        Assert.Equal(entry.GetProperty("reason").GetString(), reason!.Value.Name());
    }

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void ValidCommandVector_IsEncodedByteForByteFromItsFields(string file)
    {
        var expect = Vectors.Entry(file).GetProperty("expect");
        var command = new Command(expect.GetProperty("cid").GetString()!, expect.GetProperty("exp").GetInt64(),
            expect.GetProperty("op").GetString()!, OptString(expect, "ch"), OptLong(expect, "limit"),
            OptLong(expect, "period_s"), OptLong(expect, "stage"), OptString(expect, "state"), OptLong(expect, "start"),
            OptLong(expect, "used"), OptString(expect, "class"), OptString(expect, "curtail"), OptLong(expect, "leak_s"),
            OptLong(expect, "burst_per_min"), OptLong(expect, "after"));
        Assert.Equal(System.Text.Encoding.UTF8.GetString(Vectors.Bytes(file)).TrimEnd(),
            System.Text.Encoding.UTF8.GetString(CommandCodec.Encode(command)));
        Assert.True(CommandCodec.TryDecode(Vectors.Bytes(file), out var decoded, out var reason), reason);
        Assert.Equal(command, decoded);
    }

    [Theory]
    [MemberData(nameof(InvalidCommands))]
    public void InvalidCommandVector_IsRefusedWithTheDevicesErrorWord(string file)
    {
        Assert.False(CommandCodec.TryDecode(Vectors.Bytes(file), out _, out var reason));
        Assert.Equal(Vectors.Entry(file).GetProperty("reason").GetString(), reason);
    }

    [Theory]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"allowance","ch":"main","limit":5,"period_s":60,"class":7}""")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"allowance","ch":"main","limit":5,"period_s":60,"start":"0"}""")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"allowance","ch":"main","limit":5,"period_s":60,"used":1.5}""")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"stage","stage":2,"curtail":null}""")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"safety","ch":"main","leak_s":2147483648,"burst_per_min":1}""")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"safety","ch":"Main","leak_s":60,"burst_per_min":1}""")]
    public void AutonomyCommand_WithAFieldOfTheWrongTypeOrRange_IsRefusedAsBadField(string json)
    {
        Assert.False(CommandCodec.TryDecode(System.Text.Encoding.UTF8.GetBytes(json), out _, out var reason));
        Assert.Equal("bad_field", reason);
    }

    [Fact]
    public void AutonomyCommandFactories_EncodeWhatTheDeviceParses_AndOmitAbsentOptionalFields()
    {
        Assert.Equal("""{"v":1,"cid":"a","exp":9,"op":"allowance","ch":"main","limit":5,"period_s":60}""",
            System.Text.Encoding.UTF8.GetString(CommandCodec.Encode(CommandCodec.Allowance("a", 9, "main", 5, 60))));
        Assert.Equal("""{"v":1,"cid":"s","exp":9,"op":"stage","stage":3}""",
            System.Text.Encoding.UTF8.GetString(CommandCodec.Encode(CommandCodec.Stage("s", 9, 3))));
        foreach (var c in new[]
        {
            CommandCodec.Allowance("a", 9, "garden", 0, 86400, 1, 2, "essential"),
            CommandCodec.Stage("s", 9, 1, "standard"),
            CommandCodec.Safety("f", 9, "main", 0, 0),
            CommandCodec.Reset("r", 9, "main"),
        })
        {
            Assert.True(CommandCodec.TryDecode(CommandCodec.Encode(c), out var back, out var reason), reason);
            Assert.Equal(c, back);
        }
        Assert.Throws<ArgumentException>(() => CommandCodec.Encode(CommandCodec.Stage("s", 9, 2, "essential")));
    }

    [Fact]
    public void EveryVectorInTheIndex_IsCoveredByOneOfTheTheories()
    {
        var covered = ValidUplinks.Count + InvalidUplinks.Count + ValidCommands.Count + InvalidCommands.Count
            + Confirmations.ConfirmationCodecTests.ValidConfirmations.Count + Confirmations.ConfirmationCodecTests.InvalidConfirmations.Count;
        var total = Vectors.Index.GetProperty("valid").GetArrayLength() + Vectors.Index.GetProperty("invalid").GetArrayLength();
        Assert.Equal(total, covered);
        Assert.True(total >= 36, $"only {total} vectors found under {Vectors.Root}");
    }

    private static JsonNode? Decode(string type, byte[] payload, out RejectReason? reason)
    {
        reason = null;
        RejectReason r;
        switch (type)
        {
            case "reading" when PayloadDecoder.TryDecodeReading(payload, out var reading, out r):
                var o = new JsonObject
                {
                    ["seq"] = reading.Seq,
                    ["ts"] = reading.TsMs,
                    ["ch"] = new JsonArray(reading.Channels.Select(c => (JsonNode)new JsonObject
                    {
                        ["n"] = c.Name, ["u"] = c.Resource.Unit(), ["reg"] = c.Register,
                    }).ToArray()),
                };
                if (reading.Permit is not null) o["permit"] = reading.Permit;
                return o;
            case "event" when PayloadDecoder.TryDecodeEvent(payload, out var ev, out r):
                return Compact(new JsonObject
                {
                    ["seq"] = ev.Seq, ["ts"] = ev.TsMs, ["kind"] = ev.Kind, ["ch"] = ev.Channel, ["detail"] = ev.Detail,
                });
            case "status" when PayloadDecoder.TryDecodeStatus(payload, out var s, out r):
                return Compact(new JsonObject
                {
                    ["state"] = s.State, ["fw"] = s.Firmware, ["boot"] = s.Boot, ["outbox"] = s.Outbox,
                    ["batt_mv"] = s.BatteryMv, ["confirm"] = s.Confirm, ["ts"] = s.TsMs,
                });
            case "ack" when PayloadDecoder.TryDecodeAck(payload, out var a, out r):
                return Compact(new JsonObject { ["cid"] = a.CommandId, ["ok"] = a.Ok, ["err"] = a.Error, ["ts"] = a.TsMs });
            case "gauge" when PayloadDecoder.TryDecodeGauge(payload, out var g, out r):
                return new JsonObject
                {
                    ["seq"] = g.Seq,
                    ["ts"] = g.TsMs,
                    ["g"] = new JsonArray(g.Gauges.Select(x => (JsonNode)new JsonObject
                    {
                        ["n"] = x.Name, ["q"] = x.Quantity, ["s"] = x.Sensor, ["last"] = x.Last, ["min"] = x.Min,
                        ["max"] = x.Max, ["mean"] = x.Mean, ["samples"] = x.Samples,
                    }).ToArray()),
                };
            default:
                reason = type switch
                {
                    "reading" => PayloadDecoder.TryDecodeReading(payload, out _, out r) ? null : r,
                    "event" => PayloadDecoder.TryDecodeEvent(payload, out _, out r) ? null : r,
                    "status" => PayloadDecoder.TryDecodeStatus(payload, out _, out r) ? null : r,
                    "ack" => PayloadDecoder.TryDecodeAck(payload, out _, out r) ? null : r,
                    "gauge" => PayloadDecoder.TryDecodeGauge(payload, out _, out r) ? null : r,
                    _ => throw new ArgumentException(type),
                };
                return null;
        }
    }

    /// <summary>Absent optional fields are absent in 'expect' too.</summary>
    private static JsonObject Compact(JsonObject o)
    {
        foreach (var key in o.Where(p => p.Value is null).Select(p => p.Key).ToList()) o.Remove(key);
        return o;
    }

    private static string? OptString(JsonElement e, string name) => e.TryGetProperty(name, out var p) ? p.GetString() : null;

    private static long? OptLong(JsonElement e, string name) => e.TryGetProperty(name, out var p) ? p.GetInt64() : null;
}
