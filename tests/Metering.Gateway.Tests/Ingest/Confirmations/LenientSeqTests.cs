using System.Text;
using Commons.Metering.Gateway.Ingest.Confirmations;

namespace Commons.Metering.Gateway.Tests.Ingest.Confirmations;

public sealed class LenientSeqTests
{
    [Theory]
    [InlineData("""{"v":1,"seq":42,"ts":1,"ch":[{"n":"main","u":"kg","reg":1}]}""", 42)]
    [InlineData("""{"v":1,"ch":[{"seq":7}],"seq":43}""", 43)] // only the top-level one
    [InlineData("""{"v":1,"seq":44,"ts":"broken""", 44)] // read before the JSON breaks
    [InlineData("""{"v":2,"seq":45}""", 45)]
    public void ReadsTheTopLevelSeq_WhateverElseIsWrong(string payload, long expected)
    {
        Assert.True(LenientSeq.TryRead(Encoding.UTF8.GetBytes(payload), out var seq));
        Assert.Equal(expected, seq);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"v":1,"seq":0}""")]
    [InlineData("""{"v":1,"seq":-3}""")]
    [InlineData("""{"v":1,"seq":"5"}""")]
    [InlineData("""{"v":1,"seq":5.5}""")]
    [InlineData("""{"v":1,"seq":99999999999999999999}""")]
    [InlineData("""[{"seq":5}]""")]
    [InlineData("""{"v":1,"ch":[{"seq":7}]}""")]
    public void FindsNoSeq_WhenThereIsNoReadableOne(string payload)
    {
        Assert.False(LenientSeq.TryRead(Encoding.UTF8.GetBytes(payload), out _));
    }

    [Fact]
    public void DoesNotScan_APayloadLargerThanItsBound()
    {
        var payload = "{\"seq\":5,\"pad\":\"" + new string('x', LenientSeq.MaxScanBytes) + "\"}";
        Assert.False(LenientSeq.TryRead(Encoding.UTF8.GetBytes(payload), out _));
    }
}
