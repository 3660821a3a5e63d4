using System.Text;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Ingest;

namespace Commons.Metering.Gateway.Tests.Ingest;

/// <summary>Decoder rules beyond the golden vectors.</summary>
public sealed class PayloadDecoderTests
{
    private static RejectReason? ReadingReason(string json) =>
        PayloadDecoder.TryDecodeReading(Encoding.UTF8.GetBytes(json), out _, out var r) ? null : r;

    [Theory]
    [InlineData("""{"seq":1,"v":1,"ch":[{"reg":5,"u":"mL","n":"main"}],"ts":1}""")] // field order is free
    [InlineData("""{"v":1,"seq":1,"ts":1,"ch":[{"n":"m\u0061in","u":"mL","reg":5}]}""")] // standard escapes
    [InlineData(" {\"v\":1,\"seq\":1,\"ts\":1,\"ch\":[{\"n\":\"main\",\"u\":\"mL\",\"reg\":5}]} \n")]
    public void Reading_InAnyFieldOrderWithEscapesOrWhitespace_Decodes(string json) => Assert.Null(ReadingReason(json));

    [Theory]
    [InlineData("""{"v":1,"seq":1,"ts":1,"ch":[{"n":"main","u":"mL","reg":5}]}{}""", RejectReason.Malformed)] // trailing data
    [InlineData("""{"v":1,"v":1,"seq":1,"ts":1,"ch":[{"n":"main","u":"mL","reg":5}]}""", RejectReason.Malformed)] // duplicate key
    [InlineData("""{"seq":1,"ts":1,"ch":[{"n":"main","u":"mL","reg":5}]}""", RejectReason.Malformed)] // no version
    [InlineData("""{"seq":"x","ts":1,"ch":7,"v":3}""", RejectReason.UnsupportedVersion)] // version wins wherever it stands
    [InlineData("""{"v":1,"seq":1,"ts":1,"ch":[{"n":"main","u":"ML","reg":5}]}""", RejectReason.BadUnit)] // units are case-sensitive
    [InlineData("""{"v":1,"seq":1,"ts":1,"ch":[{"n":"main","u":"mL","reg":5}],"permit":"bad permit"}""", RejectReason.Malformed)]
    [InlineData("""{"v":1,"seq":1,"ts":1.0,"ch":[{"n":"main","u":"mL","reg":5}]}""", RejectReason.Malformed)]
    [InlineData("""{"v":1,"seq":1,"ts":1,"ch":[{"n":"main\n","u":"mL","reg":5}]}""", RejectReason.Malformed)]
    [InlineData("", RejectReason.Malformed)]
    public void Reading_Invalid_IsRejectedWithReason(string json, RejectReason expected) => Assert.Equal(expected, ReadingReason(json));

    [Fact]
    public void Reading_WithSeventeenChannels_IsMalformed()
    {
        var channels = string.Join(",", Enumerable.Range(0, 17).Select(i => $"{{\"n\":\"c{i}\",\"u\":\"Wh\",\"reg\":1}}"));
        Assert.Equal(RejectReason.Malformed, ReadingReason($"{{\"v\":1,\"seq\":1,\"ts\":1,\"ch\":[{channels}]}}"));
    }

    [Fact]
    public void Reading_OfExactly1024Bytes_IsAcceptedAndOf1025IsOversized()
    {
        const string head = "{\"v\":1,\"seq\":1,\"ts\":1,\"ch\":[{\"n\":\"main\",\"u\":\"mL\",\"reg\":5}],\"pad\":\"";
        string Of(int length) => head + new string('a', length - head.Length - 2) + "\"}";
        Assert.Null(ReadingReason(Of(1024)));
        Assert.Equal(RejectReason.Oversized, ReadingReason(Of(1025)));
    }

    [Theory]
    [InlineData("""{"v":1,"state":"sleeping"}""")]
    [InlineData("""{"v":1,"state":"online","outbox":-1}""")]
    public void Status_Invalid_IsMalformed(string json) =>
        Assert.False(PayloadDecoder.TryDecodeStatus(Encoding.UTF8.GetBytes(json), out _, out _));

    [Theory]
    [InlineData("""{"v":1,"seq":1,"ts":1,"kind":"party"}""")]
    [InlineData("""{"v":1,"seq":0,"ts":1,"kind":"boot"}""")]
    public void Event_Invalid_IsMalformed(string json)
    {
        Assert.False(PayloadDecoder.TryDecodeEvent(Encoding.UTF8.GetBytes(json), out _, out var reason));
        Assert.Equal(RejectReason.Malformed, reason);
    }

    [Theory]
    [InlineData("commons/v1/c1/m1/up/reading", true)]
    [InlineData("commons/v1/c1/m1/up/status", true)]
    [InlineData("commons/v1/C1/m1/up/reading", false)] // upper case
    [InlineData("commons/v1/c1/m1/up/reading/x", false)]
    [InlineData("commons/v2/c1/m1/up/reading", false)]
    [InlineData("commons/v1/c1/-m1/up/reading", false)]
    [InlineData("commons/v1/c1/m1/up/selfie", false)]
    [InlineData("commons/v1/c1/m1\n/up/reading", false)]
    public void Topic_IsParsedPerProtocol(string topic, bool valid) => Assert.Equal(valid, UplinkTopic.TryParse(topic, out _));
}
