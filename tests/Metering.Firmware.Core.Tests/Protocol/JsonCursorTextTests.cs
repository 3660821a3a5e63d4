using System.Text;
using Commons.Metering.Firmware.Protocol;

namespace Commons.Metering.Tests.Protocol;

/// <summary>Non-ASCII in JSON strings. UTF-8 and escapes decode to the same UTF-16 text
/// (RFC 8259 section 8, RFC 3629); anything ill-formed is refused, never read as something else.</summary>
public class JsonCursorTextTests
{
    private static string? Read(byte[] json, int capacity = 32)
    {
        var cursor = new JsonCursor();
        cursor.Reset(json, json.Length);
        var into = new char[capacity];
        int length = cursor.ReadString(into);
        if (length < 0) return null;
        Assert.True(cursor.AtEnd, "the whole string was consumed");
        return new string(into, 0, Math.Min(length, capacity));
    }

    private static byte[] Raw(params byte[] inside) => [(byte)'"', .. inside, (byte)'"'];

    [Theory]
    [InlineData("\"caf\\u00e9\"", "café")]
    [InlineData("\"café\"", "café")]
    [InlineData("\"Grüße, ñandú\"", "Grüße, ñandú")]
    [InlineData("\"€ \\u20ac\"", "€ €")]
    [InlineData("\"😀\"", "😀")]
    [InlineData("\"\\ud83d\\ude00\"", "😀")]
    [InlineData("\"\\uD83D\\uDE00x\"", "😀x")]
    [InlineData("\"ma\\u0069n\"", "main")]
    [InlineData("\"\\\"q\\\" \\\\ \\/ \\b\\f\\n\\r\\t\"", "\"q\" \\ / \b\f\n\r\t")]
    public void Utf8_and_escapes_decode_to_the_same_text(string json, string expected)
    {
        Assert.Equal(expected, Read(Encoding.UTF8.GetBytes(json)));
    }

    [Theory]
    [InlineData(new byte[] { 0x80 })]                         // a continuation byte alone
    [InlineData(new byte[] { 0xC3 })]                         // truncated by the closing quote
    [InlineData(new byte[] { 0xC3, 0x28 })]                   // a lead byte followed by ASCII
    [InlineData(new byte[] { 0xC0, 0xAF })]                   // overlong '/'
    [InlineData(new byte[] { 0xC1, 0xBF })]                   // overlong
    [InlineData(new byte[] { 0xE0, 0x80, 0xAF })]             // overlong '/' in three bytes
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 })]             // an encoded surrogate (CESU-8)
    [InlineData(new byte[] { 0xF4, 0x90, 0x80, 0x80 })]       // beyond U+10FFFF
    [InlineData(new byte[] { 0xF5, 0x80, 0x80, 0x80 })]       // not a UTF-8 lead byte
    [InlineData(new byte[] { 0xFF })]
    [InlineData(new byte[] { 0xE2, 0x82 })]                   // truncated euro sign
    [InlineData(new byte[] { 0x01 })]                         // a control character
    public void Ill_formed_utf8_is_refused(byte[] inside)
    {
        Assert.Null(Read(Raw(inside)));
    }

    [Theory]
    [InlineData("\"\\ud83d\"")]          // a lone high surrogate
    [InlineData("\"\\ude00\"")]          // a lone low surrogate
    [InlineData("\"\\ud83d\\u0041\"")]   // a high surrogate followed by a non-surrogate
    [InlineData("\"\\ud83dx\"")]
    [InlineData("\"\\u00g1\"")]
    [InlineData("\"\\x41\"")]
    public void Ill_formed_escapes_are_refused(string json)
    {
        Assert.Null(Read(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void A_long_non_ascii_string_reports_its_length_in_chars_and_is_consumed()
    {
        var cursor = new JsonCursor();
        byte[] json = Encoding.UTF8.GetBytes("\"ééééé😀\":1");
        cursor.Reset(json, json.Length);
        Assert.Equal(4, cursor.ReadString(new char[3])); // capacity + 1: too long
        Assert.True(cursor.Consume(':'));
    }

    [Theory]
    [InlineData("{\"v\":1,\"cid\":\"c-1\",\"exp\":1,\"op\":\"ping\",\"note\":\"Grüße 😀\"}", "")]
    [InlineData("{\"v\":1,\"cid\":\"c-1\",\"exp\":1,\"op\":\"reset\",\"ch\":\"ma\\u0069n\"}", "")]
    [InlineData("{\"v\":1,\"cid\":\"c-1\",\"exp\":1,\"op\":\"reset\",\"ch\":\"mäin\"}", "bad_field")]
    [InlineData("{\"v\":1,\"cid\":\"c-1\",\"exp\":1,\"op\":\"reset\",\"ch\":\"m\\u00e4in\"}", "bad_field")]
    public void Commands_with_non_ascii_text_are_parsed_by_the_same_rules(string json, string reason)
    {
        var command = new Command();
        byte r = new CommandParser().Parse(Encoding.UTF8.GetBytes(json), Encoding.UTF8.GetByteCount(json), command);
        Assert.Equal(reason, Words.AckReasons[r]);
        Assert.Equal("c-1", command.Cid);
    }

    [Fact]
    public void A_command_with_invalid_utf8_anywhere_in_a_string_is_refused_as_bad_field()
    {
        byte[] json = [.. Encoding.UTF8.GetBytes("{\"v\":1,\"cid\":\"c-1\",\"exp\":1,\"op\":\"ping\",\"note\":\""), 0xC0, 0xAF,
            .. Encoding.UTF8.GetBytes("\"}")];
        Assert.Equal("bad_field", Words.AckReasons[new CommandParser().Parse(json, json.Length, new Command())]);
    }
}
