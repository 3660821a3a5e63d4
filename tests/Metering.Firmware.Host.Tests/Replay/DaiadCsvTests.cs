using Commons.Metering.Firmware.Host.Replay;
using Commons.Metering.Gateway.Domain;

namespace Commons.Metering.Tests.Replay;

public sealed class DaiadCsvTests
{
    [Fact]
    public void Slice_GivesFiveMetersWithProtocolIds()
    {
        var data = DaiadCsv.Read(TestData.DaiadSlice);
        Assert.Equal(1978, data.Rows.Count); // wc -l minus the header
        Assert.Equal(new[] { "w-1f8730a95d67", "w-219ffd09b533", "w-68777360346f", "w-890930db249c", "w-f19afcd03c39" }, data.MeterIds);
        Assert.All(data.MeterIds, id => Assert.True(WireIds.IsId(id), id));
        Assert.All(data.Rows, r => Assert.Equal(("main", "mL"), (r.Channel, r.Unit)));
    }

    [Fact]
    public void Register_IsLitresTimesOneThousand_AndTimeIsMadridLocal()
    {
        const string csv = "V1;V2;V3;V4\n1f8730a9-5d67-4895-9215-6e247087ea00;13/03/2017 00:02:55;119877;0\n" +
                           "1f8730a9-5d67-4895-9215-6e247087ea00;13/06/2017 00:02:55;119878.5;1\n";
        var rows = DaiadCsv.Read(new StringReader(csv)).Rows;
        Assert.Equal(119_877_000, rows[0].Register);
        Assert.Equal(119_878_500, rows[1].Register);
        // 00:02:55 CET (UTC+1) in March, CEST (UTC+2) in June.
        Assert.Equal(new DateTimeOffset(2017, 3, 12, 23, 2, 55, TimeSpan.Zero).ToUnixTimeMilliseconds(), rows[0].UnixMs);
        Assert.Equal(new DateTimeOffset(2017, 6, 12, 22, 2, 55, TimeSpan.Zero).ToUnixTimeMilliseconds(), rows[1].UnixMs);
    }

    [Fact]
    public void Rows_AreOrderedByTimeThenMeter_AndStrictlyIncreasingPerMeter()
    {
        var rows = DaiadCsv.Read(TestData.DaiadSlice).Rows;
        for (var i = 1; i < rows.Count; i++)
            Assert.True(rows[i - 1].UnixMs < rows[i].UnixMs ||
                        (rows[i - 1].UnixMs == rows[i].UnixMs && string.CompareOrdinal(rows[i - 1].MeterId, rows[i].MeterId) < 0));
        foreach (var meter in rows.GroupBy(r => r.MeterId))
            Assert.True(meter.Zip(meter.Skip(1)).All(p => p.First.UnixMs < p.Second.UnixMs));
    }

    [Fact]
    public void SummerTimeNight_IsContinuousInUtc()
    {
        // 26/03/2017 01:02:20 CET is 00:02:20Z; the next row, 03:02:20 CEST, is 01:02:20Z: one hour later.
        var rows = DaiadCsv.Read(TestData.DaiadSlice).Rows.Where(r => r.MeterId == "w-1f8730a95d67").ToList();
        var before = rows.Single(r => r.UnixMs == new DateTimeOffset(2017, 3, 26, 0, 2, 20, TimeSpan.Zero).ToUnixTimeMilliseconds());
        var after = rows[rows.IndexOf(before) + 1];
        Assert.Equal(3_600_000, after.UnixMs - before.UnixMs);
    }

    [Fact]
    public void MaxHouseholds_KeepsTheFirstInFileOrder()
    {
        var data = DaiadCsv.Read(TestData.DaiadSlice, maxHouseholds: 2);
        Assert.Equal(new[] { "w-1f8730a95d67", "w-219ffd09b533" }, data.MeterIds);
    }

    [Fact]
    public void TimeThatDoesNotFollowThePreviousRow_IsRejected()
    {
        const string csv = "V1;V2;V3;V4\nab12cd34ef56-x;13/03/2017 01:00:00;1;0\nab12cd34ef56-x;13/03/2017 01:00:00;2;1\n";
        var e = Assert.Throws<FormatException>(() => DaiadCsv.Read(new StringReader(csv)));
        Assert.Contains("line 3", e.Message);
    }
}
