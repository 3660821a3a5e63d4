using Commons.Metering.Firmware;
using System.Text;
using Commons.Metering.Firmware.Protocol;

namespace Commons.Metering.Tests.Protocol;

public class CommandParserTests
{
    private readonly CommandParser _parser = new();
    private readonly Command _command = new();

    public static TheoryData<string> ValidCommands => Vectors.Files(Vectors.Valid("cmd"));

    public static TheoryData<string> InvalidCommands => Vectors.Files(Vectors.Invalid("cmd"));

    [Theory]
    [MemberData(nameof(ValidCommands))]
    public void Valid_command_vector_parses_to_the_listed_fields(string file)
    {
        byte[] payload = Vectors.Bytes(file);
        var expect = Vectors.Entry(file).GetProperty("expect");

        Assert.Equal("", Reason(payload));
        Assert.Equal(expect.GetProperty("cid").GetString(), _command.Cid);
        Assert.Equal(expect.GetProperty("exp").GetInt64(), _command.ExpiresUnixMs);
        Assert.Equal(expect.GetProperty("op").GetString(), CommandOp.Names[_command.Op]);
        if (expect.TryGetProperty("ch", out var ch)) { Assert.Equal(ch.GetString(), _command.Channel); }
        if (expect.TryGetProperty("limit", out var limit)) { Assert.Equal(limit.GetInt64(), _command.Limit); }
        if (expect.TryGetProperty("period_s", out var period)) { Assert.Equal(period.GetInt64(), _command.PeriodS); }
        if (expect.TryGetProperty("stage", out var stage)) { Assert.Equal(stage.GetInt32(), _command.Stage); }
        if (expect.TryGetProperty("state", out var state)) { Assert.Equal(state.GetString() == "open", _command.Open); }
        Assert.Equal(expect.TryGetProperty("start", out var start) ? start.GetInt64() : 0, _command.StartUnixMs);
        Assert.Equal(expect.TryGetProperty("used", out var used) ? used.GetInt64() : 0, _command.Used);
        Assert.Equal(expect.TryGetProperty("class", out var cls) ? cls.GetString() : "", UseClass.Names[_command.UseClass]);
        Assert.Equal(expect.TryGetProperty("curtail", out var curtail) ? curtail.GetString() : null,
            _command.Curtail < 0 ? null : UseClass.Names[_command.Curtail]);
        Assert.Equal(expect.TryGetProperty("leak_s", out var leak) ? leak.GetInt32() : 0, _command.LeakS);
        Assert.Equal(expect.TryGetProperty("burst_per_min", out var burst) ? burst.GetInt64() : 0, _command.BurstPerMin);
        Assert.Equal(expect.TryGetProperty("after", out var after) ? after.GetInt64() : 0, _command.AfterSeq);
    }

    [Theory]
    [MemberData(nameof(InvalidCommands))]
    public void Invalid_command_vector_is_rejected_with_the_listed_reason(string file)
    {
        Assert.Equal(Vectors.Entry(file).GetProperty("reason").GetString(), Reason(Vectors.Bytes(file)));
    }

    [Theory]
    [InlineData("""{"v":2,"cid":"c-1","exp":1,"op":"ping"}""", "unsupported_version")]
    [InlineData("""{"cid":"c-1","exp":1,"op":"ping"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","op":"ping"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c 1","exp":1,"op":"ping"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-123456789012345678901234567890123","exp":1,"op":"ping"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"stage","stage":2.0}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"stage","stage":"2"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"stage","stage":-1}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"stage","stage":1e0}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"stage","stage":1,"stage":2}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":99999999999999999999,"op":"ping"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"valve","ch":"main","state":"ajar"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"valve","state":"open"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"allowance","ch":"main","limit":5}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"allowance","ch":"Main","limit":5,"period_s":60}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"ping"} x""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"ping",}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"ping""", "bad_field")]
    [InlineData("""[{"v":1}]""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"ping","x":[[[[[[[[[[1]]]]]]]]]]}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"reboot"}""", "unknown_op")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"safety","ch":"main","leak_s":2147483648,"burst_per_min":1}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"safety","ch":"main","leak_s":60,"burst_per_min":-1}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"safety","leak_s":60,"burst_per_min":1}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"stage","stage":2,"curtail":"Standard"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"stage","stage":2,"curtail":3}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"allowance","ch":"main","limit":5,"period_s":60,"class":""}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"allowance","ch":"main","limit":5,"period_s":60,"start":-1}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"allowance","ch":"main","limit":5,"period_s":60,"used":1.5}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"refill","after":"12"}""", "bad_field")]
    [InlineData("""{"v":1,"cid":"c-1","exp":1,"op":"refill","after":1.5}""", "bad_field")]
    public void Malformed_or_invalid_command_is_rejected_with_its_reason(string json, string reason)
    {
        Assert.Equal(reason, Reason(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Whitespace_escapes_and_unknown_fields_of_any_shape_are_accepted()
    {
        string json = " {\n \"v\" : 1 , \"x\":{\"y\":[1,2.5,\"z\",true,null]}, \"cid\":\"c\\u002d7\", \"exp\":5,"
            + " \"op\":\"relay\", \"ch\":\"pump\", \"state\":\"closed\", \"note\":\"\\\"quoted\\\"\" } ";

        Assert.Equal("", Reason(Encoding.UTF8.GetBytes(json)));
        Assert.Equal("c-7", _command.Cid);
        Assert.Equal(CommandOp.Relay, _command.Op);
        Assert.Equal("pump", _command.Channel);
        Assert.False(_command.Open);
    }

    [Fact]
    public void Rejected_command_still_yields_its_cid_so_the_rejection_can_be_acknowledged()
    {
        Assert.Equal("unknown_op", Reason(Encoding.UTF8.GetBytes("""{"v":1,"cid":"c-9","exp":1,"op":"selfdestruct"}""")));
        Assert.Equal("c-9", _command.Cid);
    }

    private string Reason(byte[] payload) => Words.AckReasons[_parser.Parse(payload, payload.Length, _command)];
}
