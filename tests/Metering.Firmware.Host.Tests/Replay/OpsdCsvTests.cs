using Commons.Metering.Firmware.Host.Replay;

namespace Commons.Metering.Tests.Replay;

public sealed class OpsdCsvTests
{
    [Fact]
    public void Home4_IsMeterEres4_WithNineChannels_AndPv1LeftOut()
    {
        var data = OpsdCsv.Read(TestData.OpsdHome4Slice);
        Assert.Equal(new[] { "e-res4" }, data.MeterIds);
        Assert.Equal(new[] { "DE_KN_residential4_pv.1" }, data.DuplicateColumns);
        Assert.Equal(0, data.DuplicateMismatches);
        var channels = data.Rows.Select(r => r.Channel).Distinct().Order(StringComparer.Ordinal);
        Assert.Equal(new[] { "dishwasher", "ev", "freezer", "grid_export", "grid_import", "heat_pump", "pv", "refrigerator", "washing_machine" }, channels);
        Assert.All(data.Rows, r => Assert.Equal("Wh", r.Unit));
    }

    [Fact]
    public void EmptyCells_GiveNoRow()
    {
        var data = OpsdCsv.Read(TestData.OpsdHome4Slice);
        // Non-empty cells per column, counted with awk on the slice.
        Assert.Equal(440, data.Rows.Count(r => r.Channel == "ev"));
        Assert.Equal(424, data.Rows.Count(r => r.Channel == "refrigerator"));
        Assert.Equal(512, data.Rows.Count(r => r.Channel == "pv"));
    }

    [Theory]
    [InlineData("0.0", 0)]
    [InlineData("0.052", 52)]
    [InlineData("193.65", 193_650)]
    [InlineData("331.77", 331_770)]
    [InlineData("12345.678", 12_345_678)]
    [InlineData("0.0005", 1)] // half a Wh rounds away from zero
    [InlineData("0.0004", 0)]
    [InlineData("0.1", 100)] // no binary-float drift: 0.1 kWh is exactly 100 Wh
    public void Kwh_ConvertsToWholeWh_WithDecimalArithmetic(string kwh, long wh)
    {
        Assert.Equal(wh, OpsdCsv.ParseKwhAsWh(kwh));
    }

    [Fact]
    public void FirstRow_RegistersAndUtcTime()
    {
        var first = OpsdCsv.Read(TestData.OpsdHome4Slice).Rows.TakeWhile(r => r.UnixMs == OpsdCsv.Read(TestData.OpsdHome4Slice).Rows[0].UnixMs).ToList();
        // 2015-10-10T16:00:00Z,,,,0.0,0.052,0.0,0.01,0.0,,
        Assert.All(first, r => Assert.Equal(new DateTimeOffset(2015, 10, 10, 16, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds(), r.UnixMs));
        Assert.Equal(new[] { ("grid_export", 0L), ("grid_import", 52L), ("pv", 0L), ("heat_pump", 10L) },
            first.Select(r => (r.Channel, r.Register)));
    }

    [Fact]
    public void DuplicateColumnThatDisagrees_IsCounted()
    {
        const string csv = "utc_timestamp,X_residential9_pv,X_residential9_pv.1\n2015-01-01T00:00:00Z,1.0,1.000\n2015-01-01T01:00:00Z,2.0,2.5\n2015-01-01T02:00:00Z,3.0,\n";
        var data = OpsdCsv.Read(new StringReader(csv));
        Assert.Equal("e-res9", data.MeterIds.Single());
        Assert.Equal(2, data.DuplicateMismatches);
        Assert.Equal(new[] { 1000L, 2000L, 3000L }, data.Rows.Select(r => r.Register));
    }
}
