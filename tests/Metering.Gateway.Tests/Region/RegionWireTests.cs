using System.Text;
using Commons.Metering.Gateway.Domain;
using Commons.Metering.Gateway.Policy;
using Commons.Metering.Gateway.Region;

namespace Commons.Metering.Gateway.Tests.Region;

public sealed class RegionWireTests
{
    private static byte[] Vector(string file) => File.ReadAllBytes(Path.Combine(Vectors.Root, "region", file));

    [Fact]
    public void ReportVector_DecodesToItsMeaning_AndEncodesBackByteForByte()
    {
        Assert.True(RegionWire.TryDecodeReport(Vector("report.json"), out var r, out var error), error);
        Assert.Equal(("upper", 1772409600000L, 1772409600000L, 1), (r!.Community, r.Seq, r.TsMs, r.OpenBreakers));
        var w = Assert.Single(r.Resources);
        Assert.Equal(new ResourceUse(Resource.Water, PolicyPeriod.Day, 1772409600000, 4_200_000, 42, 180, 0), w);
        Assert.Equal(Vector("report.json"), RegionWire.Encode(r));
    }

    [Fact]
    public void AnswerVector_DecodesToItsMeaning_AndEncodesBackByteForByte()
    {
        Assert.True(RegionWire.TryDecodeAnswer(Vector("answer.json"), out var a, out var error), error);
        Assert.Equal(("river-a", "upper", 1772409600000L, false), (a!.Region, a.Community, a.Seq, a.Duplicate));
        Assert.Equal(new DelegatedCap(Resource.Water, 1772409600000, 1772496000000, 18_000_000, 9_000_000, 1772582400000, 2, 1772496000000), Assert.Single(a.Caps));
        Assert.Equal(Vector("answer.json"), RegionWire.Encode(a));
    }

    [Fact]
    public void ReportWithGaugesVector_DecodesToItsMeaning_AndEncodesBackByteForByte()
    {
        Assert.True(RegionWire.TryDecodeReport(Vector("report-gauges.json"), out var r, out var error), error);
        Assert.Equal(new RegionalGauge("river-level", 1_150, 1772408700000), Assert.Single(r!.Gauges!));
        Assert.Equal(Vector("report-gauges.json"), RegionWire.Encode(r));
        // Without gauges the field is left out: report.json, as a member that reports none sends it.
        Assert.True(RegionWire.TryDecodeReport(Vector("report.json"), out var plain, out _));
        Assert.Empty(plain!.Gauges!);
        var twice = System.Text.Encoding.UTF8.GetString(Vector("report-gauges.json")).Replace("}]}", "},{\"g\":\"river-level\",\"value\":1,\"ts\":1}]}", StringComparison.Ordinal);
        Assert.False(RegionWire.TryDecodeReport(System.Text.Encoding.UTF8.GetBytes(twice), out _, out error));
        Assert.Equal("gauge 'river-level' is listed twice", error);
    }

    [Fact]
    public void RefusedVector_IsWhatTheRegionPublishesForARefusal_AndDecodesToItsReason()
    {
        const string detail = "water: the report's day starting 1772409600000 is not one of the region's periods (week at UTC offset +00:00): " +
            "give the community's policy the same period and utc_offset.";
        Assert.Equal(Vector("refused.json"), RegionWire.EncodeRefusal(422, "Periods differ", detail));
        Assert.True(RegionWire.TryDecodeRefusal(Vector("refused.json"), out var why));
        Assert.Equal("422 Periods differ: " + detail, why);
        Assert.False(RegionWire.TryDecodeRefusal(Vector("answer.json"), out _));
    }

    [Fact]
    public void MqttTopics_HaveTheShapeOfADevicesTopics_SoACommunitysDeviceAccountAtTheRegionCoversThem()
    {
        Assert.Equal("commons/v1/river-a/upper/up/report", RegionTopics.Report("river-a", "upper"));
        Assert.Equal("commons/v1/river-a/upper/down/answer", RegionTopics.Answer("river-a", "upper"));
        Assert.Equal("commons/v1/river-a/upper/down/refused", RegionTopics.Refused("river-a", "upper"));
        Assert.Equal("upper", RegionTopics.ReportingCommunity("river-a", "commons/v1/river-a/upper/up/report"));
        Assert.Null(RegionTopics.ReportingCommunity("river-a", "commons/v1/river-b/upper/up/report"));
        Assert.Null(RegionTopics.ReportingCommunity("river-a", "commons/v1/river-a/upper/up/reading"));
        Assert.Null(RegionTopics.ReportingCommunity("river-a", "commons/v1/river-a/Upper/up/report"));
    }

    [Theory]
    [InlineData("not json", "")]
    [InlineData("""{"v":2,"community":"upper","seq":1,"ts":0,"breakers":0,"resources":[]}""", "'v' must be 1")]
    [InlineData("""{"v":1,"community":"Upper","seq":1,"ts":0,"breakers":0,"resources":[]}""", "'community' must match")]
    [InlineData("""{"v":1,"community":"upper","seq":0,"ts":0,"breakers":0,"resources":[]}""", "'seq' is 0")]
    [InlineData("""{"v":1,"community":"upper","seq":1,"ts":0,"breakers":0,"resources":[{"r":"air","period":"day","from":0,"used":0,"households":0,"persons":0,"stage":0}]}""", "'r' must be")]
    [InlineData("""{"v":1,"community":"upper","seq":1,"ts":0,"breakers":0,"resources":[{"r":"water","period":"Day","from":0,"used":0,"households":0,"persons":0,"stage":0}]}""", "'period' must be")]
    [InlineData("""{"v":1,"community":"upper","seq":1,"ts":0,"breakers":0,"resources":[{"r":"water","period":"day","from":0,"used":-5,"households":0,"persons":0,"stage":0}]}""", "'used' is -5")]
    [InlineData("""{"v":1,"community":"upper","seq":1,"ts":0,"breakers":0,"resources":[{"r":"water","period":"day","from":0,"used":1.5,"households":0,"persons":0,"stage":0}]}""", "'used' must be a whole number")]
    [InlineData("""{"v":1,"community":"upper","seq":1,"ts":0,"breakers":0,"resources":[{"r":"water","period":"day","from":0,"used":0,"households":0,"persons":0,"stage":4}]}""", "'stage' is 4")]
    [InlineData("""{"v":1,"community":"upper","seq":1,"ts":0,"resources":[]}""", "'breakers' must be")]
    public void BadReports_AreRefusedWithTheReason(string json, string reason)
    {
        Assert.False(RegionWire.TryDecodeReport(Encoding.UTF8.GetBytes(json), out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Fact]
    public void ResourceListedTwice_AndOversizedReports_AreRefused()
    {
        var twice = """{"v":1,"community":"upper","seq":1,"ts":0,"breakers":0,"resources":[""" +
            """{"r":"water","period":"day","from":0,"used":0,"households":0,"persons":0,"stage":0},""" +
            """{"r":"water","period":"day","from":0,"used":9,"households":0,"persons":0,"stage":0}]}""";
        Assert.False(RegionWire.TryDecodeReport(Encoding.UTF8.GetBytes(twice), out _, out var e1));
        Assert.Contains("listed twice", e1, StringComparison.Ordinal);
        Assert.False(RegionWire.TryDecodeReport(new byte[RegionWire.MaxReportBytes + 1], out _, out var e2));
        Assert.Contains("at most 4096 bytes", e2, StringComparison.Ordinal);
    }
}
