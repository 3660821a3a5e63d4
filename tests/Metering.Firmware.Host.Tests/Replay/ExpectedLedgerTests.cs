using Commons.Metering.Firmware.Host.Replay;

namespace Commons.Metering.Tests.Replay;

public sealed class ExpectedLedgerTests
{
    [Fact]
    public void Usage_SumsPositiveSteps_DecreasesAreCountedNotSubtracted()
    {
        var rows = new[] { 100L, 150, 140, 200, 200, 50, 60 }
            .Select((reg, i) => new DatasetRow(i * 1000L, "w-a", "main", "mL", reg));
        var c = ExpectedLedger.Compute(rows).For("w-a", "main");
        Assert.Equal(50 + 60 + 10, c.Usage);
        Assert.Equal(2, c.Decreases);
        Assert.Equal((100L, 60L, 7), (c.FirstRegister, c.LastRegister, c.Readings));
    }

    [Fact]
    public void RowsOutOfTimeOrder_AreTakenInTimeOrder()
    {
        var rows = new[] { new DatasetRow(3000, "m", "c", "Wh", 30), new DatasetRow(1000, "m", "c", "Wh", 10), new DatasetRow(2000, "m", "c", "Wh", 20) };
        var c = ExpectedLedger.Compute(rows).For("m", "c");
        Assert.Equal((20L, 0), (c.Usage, c.Decreases));
    }

    [Fact]
    public void DaiadSlice_MatchesAnIndependentAwkCount()
    {
        var ledger = ExpectedLedger.Compute(DaiadCsv.Read(TestData.DaiadSlice).Rows);
        // awk over the slice: 25 decreases; positive steps in litres per household.
        Assert.Equal(25, ledger.TotalDecreases);
        Assert.Equal(2_779_000, ledger.For("w-1f8730a95d67", "main").Usage);
        Assert.Equal(4_832_000, ledger.For("w-f19afcd03c39", "main").Usage);
        Assert.Equal(2_067_000, ledger.For("w-68777360346f", "main").Usage);
        Assert.Equal(2_753_000, ledger.For("w-219ffd09b533", "main").Usage);
        Assert.Equal(3_366_000, ledger.For("w-890930db249c", "main").Usage);
        Assert.Equal(0, ledger.For("w-890930db249c", "main").Decreases);
    }

    [Fact]
    public void OpsdSlice_MatchesAnIndependentAwkSum()
    {
        var ledger = ExpectedLedger.Compute(OpsdCsv.Read(TestData.OpsdHome4Slice).Rows);
        Assert.Equal(193_598, ledger.For("e-res4", "grid_import").Usage);
        Assert.Equal(331_770, ledger.For("e-res4", "pv").Usage);
        Assert.Equal(52_846, ledger.For("e-res4", "ev").Usage);
        Assert.Equal(1_043, ledger.For("e-res4", "ev").FirstRegister);
        Assert.Equal(9, ledger.Channels.Count);
    }
}
