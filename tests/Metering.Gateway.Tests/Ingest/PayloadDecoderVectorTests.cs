using System.Text.Json;
using System.Text.Json.Nodes;
using Commons.Metering.Gateway.Actuation;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>Every golden vector of tests/vectors/v1: valid uplinks decode to their 'expect' fields,
/// invalid ones are rejected with their 'reason'; command vectors go through the command codec.</summary>
public sealed class PayloadDecoderVectorTests
{
    public static TheoryData<string> ValidUplinks => Vectors.Files(Vectors.Valid("reading", "event", "status", "ack"));
    public static TheoryData<string> InvalidUplinks => Vectors.Files(Vectors.Invalid("reading", "event", "status", "ack"));
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
            OptLong(expect, "period_s"), OptLong(expect, "stage"), OptString(expect, "state"));
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

    [Fact]
    public void EveryVectorInTheIndex_IsCoveredByOneOfTheTheories()
    {
        var covered = ValidUplinks.Count + InvalidUplinks.Count + ValidCommands.Count + InvalidCommands.Count;
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
                    ["batt_mv"] = s.BatteryMv, ["ts"] = s.TsMs,
                });
            case "ack" when PayloadDecoder.TryDecodeAck(payload, out var a, out r):
                return Compact(new JsonObject { ["cid"] = a.CommandId, ["ok"] = a.Ok, ["err"] = a.Error, ["ts"] = a.TsMs });
            default:
                reason = type switch
                {
                    "reading" => PayloadDecoder.TryDecodeReading(payload, out _, out r) ? null : r,
                    "event" => PayloadDecoder.TryDecodeEvent(payload, out _, out r) ? null : r,
                    "status" => PayloadDecoder.TryDecodeStatus(payload, out _, out r) ? null : r,
                    "ack" => PayloadDecoder.TryDecodeAck(payload, out _, out r) ? null : r,
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
